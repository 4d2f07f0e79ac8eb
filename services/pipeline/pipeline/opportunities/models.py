"""Opportunities: deals with an amount, a close date, an owner and a stage; their history;
the board's columns."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from pipeline.teams.models import Tag
from shared.inputs import PageQuery, RequestModel


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Currency = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]  # ISO 4217
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=17, decimal_places=4, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4, allow_inf_nan=False)]
StageId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")]
RepId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


def plain(amount: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 4000, 12.5."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class OpportunityIn(RequestModel):
    contact_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    amount: Money
    currency: Currency
    products: list[Tag] = Field(default_factory=list, max_length=50)
    expected_close_date: date
    owner_id: RepId | None = None  # a sales rep's own by default; managers and admins may name a rep
    stage: StageId | None = None  # the first open stage by default
    discount_percent: Percent = Decimal(0)


class OpportunityPatch(RequestModel):
    """PATCH: only the fields present change. ``stage`` ``won``/``lost`` closes the deal
    (``lost`` needs ``lost_reason``); ``owner_id`` is for managers and admins."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    amount: Money | None = None
    currency: Currency | None = None
    products: list[Tag] | None = Field(default=None, max_length=50)
    expected_close_date: date | None = None
    stage: StageId | None = None
    lost_reason: str | None = Field(default=None, min_length=1, max_length=500)
    owner_id: RepId | None = None
    discount_percent: Percent | None = None


class Opportunity(BaseModel):
    id: str
    contact_id: str
    name: str
    amount: Decimal
    currency: str
    products: list[str] = Field(default_factory=list)
    expected_close_date: date
    owner_id: str
    team_id: str | None = None
    stage: str
    probability: int
    forecast_category: str
    status: OpportunityStatus = OpportunityStatus.OPEN
    lost_reason: str | None = None
    discount_percent: Decimal = Decimal(0)
    approval_pending: bool = False  # an approval chain is open: the deal cannot be won meanwhile
    approved_discount: Decimal | None = None  # the discount the last approval chain approved
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    won_at: datetime | None = None
    lost_at: datetime | None = None
    version: int = 1

    @property
    def weighted(self) -> Decimal:
        return self.amount * self.probability / 100


class OpportunityPage(BaseModel):
    items: list[Opportunity]
    next_cursor: str | None = None


class OpportunityQuery(PageQuery):
    owner_id: str | None = Field(None, max_length=128, description="Only this rep's deals (within the caller's reach).")
    stage: StageId | None = Field(None, description="Only deals in this stage.")
    close_from: date | None = Field(None, description="Deals expected to close on or after this date.")
    close_to: date | None = Field(None, description="Deals expected to close on or before this date.")


class Change(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class HistoryEntry(BaseModel):
    """One change of an opportunity: who, when, what (``from`` -> ``to`` per field)."""

    at: datetime
    by: str
    kind: str  # created | changed | won | lost
    changes: list[Change]


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None


class Card(BaseModel):
    id: str
    name: str
    contact_id: str
    owner_id: str
    amount: Decimal
    currency: str
    expected_close_date: date


class Column(BaseModel):
    stage: str
    name: str
    probability: int
    forecast_category: str
    count: int
    amount: Decimal
    weighted_amount: Decimal
    cards: list[Card]
    next_cursor: str | None = None  # the next cards of this stage: GET /board?stage=<id>&cursor=...


class Board(BaseModel):
    """Amounts are summed as stored, whatever their currency (no conversion is done)."""

    columns: list[Column]


class BoardQuery(PageQuery):
    stage: StageId | None = Field(None, description="One column only, its cards paged by `cursor`.")
    owner_id: str | None = Field(None, max_length=128, description="Only this rep's deals (within the caller's reach).")
    limit: int = Field(10, ge=1, le=100, description="Cards per column, 1 to 100.")
