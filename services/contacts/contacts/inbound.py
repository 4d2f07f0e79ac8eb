"""What contacts reads from the bus: tolerant models of the events it consumes (models
only; contacts/subscriptions.py names the handler of each detail-type, and the
resources.yaml rules must route the same detail-types: a contract test checks both).

Read: pipeline's LeadAssigned (the owner), contacts' own events (segment membership,
backfill pages), other services' events about a contact (the timeline) and partners'
orders.

Partner event contract (version 1). Partners put events on the bus ``crm-<stage>`` with
``source`` = ``partner.<partner name>`` (e.g. ``partner.shop``), ``detail-type``
``OrderPlaced`` or ``OrderRefunded``, and ``detail`` = the CRM envelope
``{"metadata": {event_id, event_version: 1, occurred_at, correlation_id}, "data": {...}}``:

- OrderPlaced.data: contact_id, order_id (unique per contact), amount (> 0, as a JSON
  number or decimal string), currency (ISO 4217), channel (web, store, phone, marketplace,
  partner; default partner), occurred_at (ISO 8601 with a timezone), items
  [{sku, name, quantity, unit_price}] (optional).
- OrderRefunded.data: contact_id, order_id, amount (> 0: the amount refunded), currency,
  occurred_at, reason (optional). One refund per order_id.

Each order and each refund is recorded once per order_id, whatever the event id or the
number of deliveries; an event for an unknown contact is logged and dropped; one that does
not match this contract goes to the queue's DLQ.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from contacts.history.models import Channel, Currency, UtcDatetime
from shared.events import IncomingEvent


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned: the contact's owner."""

    contact_id: str
    owner_id: str


class OpportunityWonIn(IncomingEvent):
    """crm.pipeline OpportunityWon: the contact bought, so they are a customer."""

    contact_id: str
    opportunity_id: str


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
    """Our own SegmentDefined: a segment's backfill starts (contacts/segments/backfill.py)."""

    segment_id: str
    segment_version: int


class SegmentBackfillProgressedIn(IncomingEvent):
    """Our own SegmentBackfillProgressed: the backfill's next page, unless done."""

    segment_id: str
    segment_version: int
    pages: int
    done: bool


# --- other services' events on a contact's timeline -----------------------------------


class TicketOpenedIn(IncomingEvent):
    """crm.service_desk TicketOpened."""

    contact_id: str
    ticket_id: str
    subject: str
    channel: str
    priority: str


class PointsAccruedIn(IncomingEvent):
    """crm.loyalty PointsAccrued."""

    contact_id: str
    points: int
    reason: str
    balance: int


class TierChangedIn(IncomingEvent):
    """crm.loyalty TierChanged."""

    contact_id: str
    previous_tier: str
    tier: str


class EmailSentIn(IncomingEvent):
    """crm.campaigns EmailSent."""

    contact_id: str
    message_id: str
    template: str


class UnsubscribeRequestedIn(IncomingEvent):
    """crm.campaigns UnsubscribeRequested: an opt-out through an email's link."""

    contact_id: str
    channel: Literal["email", "sms", "push"]
    purpose: str  # marketing (contacts.privacy.models.Purpose)
    source: str


class TaskCompletedIn(IncomingEvent):
    """crm.pipeline TaskCompleted: a rep's call, email, meeting or to-do was done; on the
    timeline of its contact, when it has one."""

    task_id: str
    assignee_id: str
    kind: str
    title: str
    contact_id: str | None = None
    outcome: str | None = None


# --- partners' orders (the contract above) -------------------------------------------


class OrderLineIn(IncomingEvent):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1)
    unit_price: Decimal = Field(ge=0)


class OrderPlacedIn(IncomingEvent):
    """partner.* OrderPlaced (the contract above)."""

    contact_id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=128)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: Currency
    channel: Channel = Channel.PARTNER
    occurred_at: UtcDatetime
    items: list[OrderLineIn] = Field(default_factory=list, max_length=200)


class OrderRefundedIn(IncomingEvent):
    """partner.* OrderRefunded (the contract above)."""

    contact_id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=128)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: Currency
    occurred_at: UtcDatetime
    reason: str | None = Field(default=None, max_length=500)


# Contacts' own events naming one contact whose facts may have changed (ContactRefIn).
SEGMENT_TRIGGERS = ("LeadCreated", "ContactUpdated", "ContactMetricsUpdated", "ContactDeleted", "ContactErased")
