"""The loyalty program: its currency, how purchases earn, how long points last, how they round.

One document, versioned (``If-Match``). A fresh install runs on ``DEFAULT_PROGRAM`` (version
0, never stored), so a purchase earns points with no set-up.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from shared.inputs import RequestModel

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]


class Rounding(StrEnum):
    DOWN = "down"
    NEAREST = "nearest"
    UP = "up"


_ROUNDING = {Rounding.DOWN: ROUND_FLOOR, Rounding.NEAREST: ROUND_HALF_UP, Rounding.UP: ROUND_CEILING}


class ProgramIn(RequestModel):
    """PUT /program: the whole document."""

    name: str = Field(default="Rewards", min_length=1, max_length=80)
    currency: Currency = "EUR"
    points_per_unit: Annotated[Decimal, Field(ge=0, le=1000, max_digits=10, decimal_places=4)] = Decimal(1)
    point_value: Annotated[
        Decimal, Field(ge=0, le=1000, max_digits=10, decimal_places=6, description="money one point is worth")
    ] = Decimal("0.01")
    validity_months: int = Field(default=12, ge=0, le=120, strict=True, description="0: points never expire")
    valid_to_month_end: bool = True
    rounding: Rounding = Rounding.DOWN
    refund_claws_back_spent: bool = Field(
        default=False,
        description="a refund of an order whose points were spent takes them from the balance (a negative adjustment)",
    )
    goodwill_value: Annotated[Decimal, Field(gt=0, le=100_000, max_digits=10, decimal_places=2)] | None = Field(
        default=Decimal("10.00"), description="a goodwill coupon's money off after a poor survey (null: none)"
    )
    goodwill_csat_max: int = Field(default=2, ge=1, le=5, strict=True, description="CSAT scores up to this get one")
    goodwill_nps_max: int = Field(default=6, ge=0, le=10, strict=True, description="NPS scores up to this get one")
    goodwill_valid_days: int = Field(default=60, ge=1, le=3650, strict=True)
    referral_window_days: int = Field(
        default=30, ge=0, le=365, strict=True, description="days the referred first purchase must stay unrefunded"
    )


class Program(ProgramIn):
    updated_at: datetime | None = None
    version: int = 0  # 0: the built-in default, never stored

    def points_for(self, amount: Decimal, per_unit: Decimal | None = None) -> int:
        """Points for ``amount`` of money at ``per_unit`` (the program's rate by default), rounded."""
        raw = amount * (self.points_per_unit if per_unit is None else per_unit)
        return int(raw.quantize(Decimal(1), rounding=_ROUNDING[self.rounding]))

    def rounded(self, points: Decimal) -> int:
        return int(points.quantize(Decimal(1), rounding=_ROUNDING[self.rounding]))

    def expires_on(self, earned: datetime) -> date | None:
        """The last day a lot earned at ``earned`` can be spent (None: never expires)."""
        if self.validity_months == 0:
            return None
        months = earned.year * 12 + earned.month - 1 + self.validity_months
        year, month = divmod(months, 12)
        month += 1
        last = calendar.monthrange(year, month)[1]
        day = last if self.valid_to_month_end else min(earned.day, last)
        return date(year, month, day)


DEFAULT_PROGRAM = Program()
