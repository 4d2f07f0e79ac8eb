"""Request and response bodies of a contact's history: interactions, orders, the timeline
and the 360 metrics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator

from shared.errors import field_error
from shared.inputs import PageQuery, RequestModel


def _aware(value: datetime) -> datetime:
    # Timeline keys sort as UTC text: a naive time would be ambiguous, so it is refused.
    if value.tzinfo is None:
        raise ValueError("must include a timezone (e.g. 2026-01-31T10:00:00Z)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]
Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class InteractionKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    CHAT = "chat"
    SOCIAL = "social"
    VISIT = "visit"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Channel(StrEnum):
    WEB = "web"
    STORE = "store"
    PHONE = "phone"
    MARKETPLACE = "marketplace"
    PARTNER = "partner"


class InteractionIn(RequestModel):
    kind: InteractionKind
    direction: Direction
    summary: str = Field(min_length=1, max_length=2000)
    occurred_at: UtcDatetime
    # No ``by``: who logged it is the token's subject, never the body's say (refused as unknown).


class OrderLine(RequestModel):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=100_000)
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class OrderIn(RequestModel):
    order_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
    amount: Money
    currency: Currency
    items: list[OrderLine] = Field(default_factory=list, max_length=200)
    channel: Channel
    occurred_at: UtcDatetime


class Order(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    items: list[dict[str, Any]]
    channel: Channel
    occurred_at: datetime
    source: str  # "api" or the partner's event source (partner.shop)


class Refund(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    occurred_at: datetime
    source: str
    reason: str | None = None


class TimelineEntry(BaseModel):
    """One line of a contact's timeline. ``kind`` says what ``data`` holds."""

    id: str  # the entry's cursor-safe key within the contact
    kind: str  # interaction, order, refund, lead_assigned, ticket_opened, points_accrued, ...
    occurred_at: datetime
    source: str  # "api", "crm.<service>" or "partner.<name>"
    by: str | None = None
    data: dict[str, Any]


class Page(BaseModel):
    items: list[TimelineEntry]
    next_cursor: str | None


class MetricsOut(BaseModel):
    contact_id: str
    currency: str
    total_spend: Decimal
    order_count: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None
    average_interval_days: Decimal | None
    next_purchase_at: datetime | None
    recency_score: int | None
    frequency_score: int | None
    monetary_score: int | None
    rfm_group: str | None
    value_tier: str | None
    spend_by_currency: dict[str, Decimal]
    scored_on: date | None
    # Engagement: the latest inbound interaction or order, and interactions logged.
    last_engaged_at: datetime | None = None
    interaction_count: int = 0
    inbound_count: int = 0


class Period(BaseModel):
    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise field_error("to", "'to' is before 'from'")
        return self


class TimelineKind(StrEnum):
    """What a timeline entry records (``TimelineEntry.kind``)."""

    INTERACTION = "interaction"
    ORDER = "order"
    REFUND = "refund"
    LEAD_ASSIGNED = "lead_assigned"
    TICKET_OPENED = "ticket_opened"
    POINTS_ACCRUED = "points_accrued"
    TIER_CHANGED = "tier_changed"
    EMAIL_SENT = "email_sent"


class TimelineQuery(PageQuery):
    """GET /{id}/timeline: a page of the timeline, newest first, of one kind or all."""

    kind: TimelineKind | None = Field(default=None, description="Only the entries of this kind (default: all).")


class OrderRecorded(BaseModel):
    """POST /{id}/orders: the order as recorded and the contact's metrics after it."""

    order: Order
    metrics: MetricsOut
