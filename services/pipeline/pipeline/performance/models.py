"""Sales performance per rep and team, and quotas: kept from pipeline's own events into
per-rep monthly counters (never a scan of leads or deals)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, model_validator

from pipeline.opportunities.models import Money
from shared.errors import field_error
from shared.inputs import QueryModel, RequestModel

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class QuotaIn(RequestModel):
    rep_id: str = Field(min_length=1, max_length=128)
    month: str = Field(pattern=MONTH)  # yyyy-mm
    amount: Money


class Quota(QuotaIn):
    pass


class QuotaList(BaseModel):
    items: list[Quota]


class PerformanceQuery(QueryModel):
    from_: date = Field(alias="from", description="The first day of the range (its month counts whole).")
    to: date = Field(description="The last day of the range (its month counts whole).")

    @model_validator(mode="after")
    def _range(self) -> PerformanceQuery:
        if self.to < self.from_:
            raise field_error("to", "the range ends before it starts")
        if (self.to - self.from_).days > 366:
            raise field_error("to", "at most a year at once")
        return self


class Counts(BaseModel):
    """One rep's (or team's) month of counters."""

    leads: int = 0
    converted: int = 0
    contact_minutes: list[int] = Field(default_factory=list)
    won: int = 0
    lost: int = 0
    revenue: Decimal = Decimal(0)
    cycle_days: int = 0  # summed over won deals
    quota: Decimal = Decimal(0)


class Performance(BaseModel):
    """Rates are fractions (0.25 = 25%); None when there is nothing to divide by. Sales
    velocity = won deals x average deal size / average sales cycle (revenue per day)."""

    group: str | None
    leads_received: int
    median_hours_to_first_contact: float | None
    conversion_rate: float | None
    opportunities_won: int
    opportunities_lost: int
    won_revenue: Decimal
    win_rate: float | None
    average_deal_size: Decimal | None
    sales_cycle_days: float | None
    sales_velocity: Decimal | None
    quota: Decimal
    quota_attainment: float | None


class PerformanceReport(BaseModel):
    from_date: date
    to_date: date
    reps: list[Performance]
    teams: list[Performance]
