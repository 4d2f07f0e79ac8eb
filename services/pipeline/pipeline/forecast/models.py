"""The forecast: open pipeline, weighted, commit, best case and won, by close month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from shared.errors import field_error
from shared.inputs import QueryModel

MAX_MONTHS = 36


class GroupBy(StrEnum):
    REP = "rep"
    TEAM = "team"


class ForecastQuery(QueryModel):
    from_: date = Field(alias="from", description="The first day of the range (its month counts whole).")
    to: date = Field(description="The last day of the range (its month counts whole).")
    group_by: GroupBy = Field(GroupBy.REP, description="One row per rep or per team, per month.")

    @model_validator(mode="after")
    def _range(self) -> ForecastQuery:
        if self.to < self.from_:
            raise field_error("to", "the range ends before it starts")
        if (self.to.year - self.from_.year) * 12 + self.to.month - self.from_.month >= MAX_MONTHS:
            raise field_error("to", f"at most {MAX_MONTHS} months at once")
        return self


class ForecastRow(BaseModel):
    """One group (rep or team) in one close month. ``pipeline``: every open deal's amount;
    ``weighted``: amount x the stage's probability; ``commit``: deals in commit stages;
    ``best_case``: commit plus best-case stages; ``won``: deals won that month."""

    group: str | None  # the rep's or team's id (None: reps without a team)
    month: str  # yyyy-mm
    pipeline: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    commit: Decimal = Decimal(0)
    won: Decimal = Decimal(0)
    open_deals: int = 0
    won_deals: int = 0


class Forecast(BaseModel):
    """Amounts are summed as stored, whatever their currency (no conversion is done)."""

    from_date: date
    to_date: date
    group_by: GroupBy
    rows: list[ForecastRow]
    total: ForecastRow
