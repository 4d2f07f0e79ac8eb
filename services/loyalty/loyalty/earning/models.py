"""Earning rules: which events earn points, how many, for how long, up to what cap.

A purchase always earns the program's base rate (program.points_per_unit); purchase rules
add a bonus per currency unit, on the lines of their categories (or on the whole order).
Other events earn a rule's fixed points. Until an admin stores rules, the built-in ones
apply (``DEFAULT_RULES``: the sign-up bonus and the referral reward).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from shared.inputs import RequestModel


class EarningEvent(StrEnum):
    SIGNUP = "signup"
    PURCHASE = "purchase"
    REFERRAL = "referral"
    SURVEY_ANSWERED = "survey_answered"
    BIRTHDAY = "birthday"
    CAMPAIGN_BONUS = "campaign_bonus"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"

    def key(self, at: datetime) -> str:
        """The period ``at`` falls in, as a short key (``2026-12``, ``2026-W49``)."""
        if self is Period.DAY:
            return at.date().isoformat()
        if self is Period.WEEK:
            year, week, _ = at.isocalendar()
            return f"{year}-W{week:02d}"
        if self is Period.MONTH:
            return at.strftime("%Y-%m")
        return str(at.year)


class Cap(RequestModel):
    points: int = Field(ge=1, le=10_000_000, strict=True)
    period: Period


Points = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]
Category = Annotated[str, Field(min_length=1, max_length=64)]


class EarningRuleIn(RequestModel):
    name: str = Field(min_length=1, max_length=80)
    event: EarningEvent
    points: Points | None = Field(default=None, description="fixed points (every event but purchase)")
    referred_points: Points | None = Field(default=None, description="referral: the new member's points")
    bonus_per_unit: Annotated[Decimal, Field(gt=0, le=1000, max_digits=10, decimal_places=4)] | None = Field(
        default=None, description="purchase: extra points per currency unit"
    )
    categories: list[Category] = Field(default_factory=list, max_length=50, description="purchase: lines it applies to")
    cap: Cap | None = Field(default=None, description="most points per member and period")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> EarningRuleIn:
        purchase = self.event is EarningEvent.PURCHASE
        if purchase and self.bonus_per_unit is None:
            raise ValueError("bonus_per_unit: a purchase rule gives a bonus per currency unit")
        if not purchase and self.points is None:
            raise ValueError("points: required for this event")
        if not purchase and (self.bonus_per_unit is not None or self.categories):
            raise ValueError("bonus_per_unit: only purchase rules have one")
        if self.referred_points is not None and self.event is not EarningEvent.REFERRAL:
            raise ValueError("referred_points: only referral rules have one")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until: must be after valid_from")
        return self


class EarningRulePatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    points: Points | None = None
    referred_points: Points | None = None
    bonus_per_unit: Annotated[Decimal, Field(gt=0, le=1000, max_digits=10, decimal_places=4)] | None = None
    categories: list[Category] | None = Field(default=None, max_length=50)
    cap: Cap | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool | None = None


class EarningRule(EarningRuleIn):
    id: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def applies(self, event: EarningEvent, at: datetime) -> bool:
        if not self.active or self.event is not event:
            return False
        return (self.valid_from is None or at >= self.valid_from) and (
            self.valid_until is None or at < self.valid_until
        )


class EarningRules(BaseModel):
    """GET /earning-rules: the whole list (one partition, short: not paged)."""

    items: list[EarningRule]


_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_RULES = [
    EarningRule(
        id="signup", name="Sign-up bonus", event=EarningEvent.SIGNUP, points=200, created_at=_EPOCH, updated_at=_EPOCH
    ),
    EarningRule(
        id="referral",
        name="Referral",
        event=EarningEvent.REFERRAL,
        points=500,
        referred_points=250,
        created_at=_EPOCH + timedelta(seconds=1),  # listed after the sign-up bonus
        updated_at=_EPOCH,
    ),
]
