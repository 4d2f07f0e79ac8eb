"""What the pipeline service reads from other events (tolerant readers: unknown fields ignored)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shared.events import IncomingEvent


class LeadCreatedIn(IncomingEvent):
    """crm.contacts LeadCreated: the coarse profile assignment rules match on; the person's
    name and addresses stay in contacts."""

    contact_id: str
    country: str | None = None
    region: str | None = None
    language: str | None = None
    company_size: str | None = None
    source: str | None = None


class RepAddedIn(IncomingEvent):
    """crm.pipeline RepAdded (our own): a new rep may take leads that were waiting."""

    rep_id: str


class RepUpdatedIn(IncomingEvent):
    """crm.pipeline RepUpdated (our own): back to active or more capacity drains the queue;
    ``off`` hands the rep's open leads on."""

    rep_id: str
    changed: list[str]
    status: str
    previous_status: str


class LeadStatusChangedIn(IncomingEvent):
    """crm.pipeline LeadStatusChanged (our own): a closed lead frees its owner's slot."""

    contact_id: str
    status: str
    previous_status: str


class ContactErasedIn(IncomingEvent):
    """crm.contacts ContactErased: the person is forgotten (a waiting lead leaves the queue)."""

    contact_id: str


class SegmentMembershipIn(IncomingEvent):
    """crm.contacts SegmentEntered / SegmentExited: rules on ``segment_ids`` read them."""

    segment_id: str
    contact_id: str


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned (our own): plans the owner's first-contact deadline."""

    contact_id: str
    owner_id: str
    first_contact_hours: float | None = None
    reassign_on_miss: bool = False


class LeadFirstContactDueIn(IncomingEvent):
    """crm.pipeline LeadFirstContactDue (our own, put on the bus by the lead's schedule)."""

    contact_id: str
    owner_id: str
    due_at: datetime
    reassign_on_miss: bool = False


class TaskCompletedIn(IncomingEvent):
    """crm.pipeline TaskCompleted (our own): a call, email or meeting is a lead's first contact."""

    task_id: str
    kind: str
    contact_id: str | None = None


class BehaviourIn(IncomingEvent):
    """A behaviour event that counts into a lead's score: contacts' PurchaseRecorded (and
    campaigns' EmailOpened/EmailClicked once published): only whose it is matters here."""

    contact_id: str


class ApprovalReminderDueIn(IncomingEvent):
    """crm.pipeline ApprovalReminderDue (our own, put on the bus by a step's schedule)."""

    approval_id: str
    level: int
    n: int = 1


class TaskReminderFiredIn(IncomingEvent):
    """crm.pipeline TaskReminderFired (our own, from a task's schedule): TaskDue if still wanted."""

    task_id: str
    remind_at: datetime


class DealClosedIn(IncomingEvent):
    """crm.pipeline OpportunityWon / OpportunityLost (our own): counted into performance."""

    opportunity_id: str
    owner_id: str
    amount: Decimal
    won_at: datetime | None = None
    lost_at: datetime | None = None
    created_at: datetime | None = None
