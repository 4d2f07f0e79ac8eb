"""What contacts does with each bus event: detail-type -> inbound model -> handler, each
declared once, gathered from the features' consumers.py (the resources.yaml rules route
the same detail-types: infra's contract tests read this list).

A detail-type may have several handlers: shared.consumer runs them in the order declared
here, once per event id, after checking every reading. Handlers import their use cases
lazily, so building this list stays cheap.
"""

from __future__ import annotations

from typing import Any

from contacts.history import consumers as history
from contacts.inbound import (
    SEGMENT_TRIGGERS,
    ContactRefIn,
    ContactsImportedIn,
    ContactsMergedIn,
    EmailSentIn,
    LeadAssignedIn,
    OpportunityWonIn,
    OrderPlacedIn,
    OrderRefundedIn,
    PointsAccruedIn,
    SegmentBackfillProgressedIn,
    SegmentDefinedIn,
    TaskCompletedIn,
    TicketOpenedIn,
    TierChangedIn,
    UnsubscribeRequestedIn,
)
from contacts.privacy import consumers as privacy
from contacts.records import consumers as records
from contacts.segments import consumers as segments
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    # pipeline's LeadAssigned: the record's owner, then the timeline entry.
    Subscription("LeadAssigned", LeadAssignedIn, records.on_lead_assigned),
    Subscription("LeadAssigned", LeadAssignedIn, history.on_timeline_event("LeadAssigned")),
    # pipeline's OpportunityWon: the contact becomes a customer.
    Subscription("OpportunityWon", OpportunityWonIn, records.on_opportunity_won),
    # contacts' own events: segment membership.
    *(Subscription(t, ContactRefIn, segments.on_contact_changed) for t in SEGMENT_TRIGGERS),
    # history first: the winner's metrics recomputed from both sides' orders; then segments.
    Subscription("ContactsMerged", ContactsMergedIn, history.on_contacts_merged_metrics),
    Subscription("ContactsMerged", ContactsMergedIn, segments.on_contacts_merged),
    Subscription("ContactsImported", ContactsImportedIn, segments.on_contacts_imported),
    Subscription("SegmentDefined", SegmentDefinedIn, segments.on_segment_defined),
    Subscription("SegmentBackfillProgressed", SegmentBackfillProgressedIn, segments.on_backfill_progressed),
    # other services' events on a contact's timeline.
    Subscription("TicketOpened", TicketOpenedIn, history.on_timeline_event("TicketOpened")),
    Subscription("PointsAccrued", PointsAccruedIn, history.on_timeline_event("PointsAccrued")),
    Subscription("TierChanged", TierChangedIn, history.on_timeline_event("TierChanged")),
    Subscription("EmailSent", EmailSentIn, history.on_timeline_event("EmailSent")),
    Subscription("TaskCompleted", TaskCompletedIn, history.on_task_completed),
    # campaigns' unsubscribe links: consent withdrawn.
    Subscription("UnsubscribeRequested", UnsubscribeRequestedIn, privacy.on_unsubscribe_requested),
    # partners' orders.
    Subscription("OrderPlaced", OrderPlacedIn, history.on_order_placed),
    Subscription("OrderRefunded", OrderRefundedIn, history.on_order_refunded),
]
