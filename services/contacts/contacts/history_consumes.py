"""What the history area reads from the bus: other services' events about a contact (for
the timeline) and partners' orders. Registered in contacts/consumes.py.

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

from pydantic import Field

from contacts.history_models import Channel, Currency, UtcDatetime
from shared.events import IncomingEvent


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


TIMELINE_CONSUMES: dict[str, type[IncomingEvent]] = {
    "TicketOpened": TicketOpenedIn,
    "PointsAccrued": PointsAccruedIn,
    "TierChanged": TierChangedIn,
    "EmailSent": EmailSentIn,
}
PARTNER_CONSUMES: dict[str, type[IncomingEvent]] = {"OrderPlaced": OrderPlacedIn, "OrderRefunded": OrderRefundedIn}
