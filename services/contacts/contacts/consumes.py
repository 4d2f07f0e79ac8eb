"""What contacts reads from the bus (tolerant readers), and the handlers that react.

Each area adds its models to CONSUMES and its handlers to ``subscriptions()``; the
resources.yaml rules must route the same detail-types (a contract test checks both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contacts.history_consumes import PARTNER_CONSUMES, TIMELINE_CONSUMES
from shared.events import IncomingEvent

if TYPE_CHECKING:
    from shared.consumer import Subscription


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned: the contact's owner."""

    contact_id: str
    owner_id: str


# --- contacts' own events, for segment membership (rule ContactsSelfRule) -----------


class ContactRefIn(IncomingEvent):
    """Any contacts event naming one contact whose facts may have changed: LeadCreated,
    ContactUpdated, ContactMetricsUpdated, ContactDeleted, ContactErased. Membership reads
    the facts from the table, so nothing else of the event is needed."""

    contact_id: str


class ContactsMergedIn(IncomingEvent):
    winner_id: str
    loser_id: str


class ContactsImportedIn(IncomingEvent):
    """One chunk of an import: the contacts it created and updated."""

    created: list[str] = []
    updated: list[str] = []


class SegmentDefinedIn(IncomingEvent):
    """Our own SegmentDefined: a segment's backfill starts (contacts/segments_backfill.py)."""

    segment_id: str
    segment_version: int


class SegmentBackfillProgressedIn(IncomingEvent):
    """Our own SegmentBackfillProgressed: the backfill's next page, unless done."""

    segment_id: str
    segment_version: int
    pages: int
    done: bool


SEGMENT_TRIGGERS = ("LeadCreated", "ContactUpdated", "ContactMetricsUpdated", "ContactDeleted", "ContactErased")

CONSUMES: dict[str, type[IncomingEvent]] = {
    "LeadAssigned": LeadAssignedIn,
    **dict.fromkeys(SEGMENT_TRIGGERS, ContactRefIn),
    "ContactsMerged": ContactsMergedIn,
    "ContactsImported": ContactsImportedIn,
    "SegmentDefined": SegmentDefinedIn,
    "SegmentBackfillProgressed": SegmentBackfillProgressedIn,
    **TIMELINE_CONSUMES,  # history: other services' events on the timeline
    **PARTNER_CONSUMES,  # history: partners' orders
}


def subscriptions() -> list[Subscription[Any]]:
    from contacts.handlers import on_lead_assigned
    from contacts.history_handlers import both, on_order_placed, on_order_refunded, on_timeline_event
    from contacts.metrics_handlers import on_contacts_merged_metrics
    from contacts.segments_handlers import (
        on_backfill_progressed,
        on_contact_changed,
        on_contacts_imported,
        on_contacts_merged,
        on_segment_defined,
    )
    from shared.consumer import Subscription

    handlers: dict[str, Callable[[Any], None]] = {
        "LeadAssigned": both(on_lead_assigned, on_timeline_event("LeadAssigned")),  # + history
        **dict.fromkeys(SEGMENT_TRIGGERS, on_contact_changed),
        # history first: the winner's metrics recomputed from both sides' orders; then segments.
        "ContactsMerged": both(on_contacts_merged_metrics, on_contacts_merged),
        "ContactsImported": on_contacts_imported,
        "SegmentDefined": on_segment_defined,
        "SegmentBackfillProgressed": on_backfill_progressed,
        **{t: on_timeline_event(t) for t in TIMELINE_CONSUMES},  # history
        "OrderPlaced": on_order_placed,  # history
        "OrderRefunded": on_order_refunded,  # history
    }
    return [Subscription(t, model, handlers[t]) for t, model in CONSUMES.items()]
