"""Tiers: thresholds on what a member earned (or spent) over a rolling 12 months, with their
benefits. A member moves up at once, and down only at its review date."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from shared.inputs import RequestModel

ROLLING_MONTHS = 12


class TierBasis(StrEnum):
    POINTS = "points"  # points earned (accruals less their reversals), not the balance
    SPEND = "spend"  # money spent, less refunds


class Tier(RequestModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    threshold: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
    multiplier: Annotated[Decimal, Field(ge=1, le=10, max_digits=5, decimal_places=2)] = Decimal(1)
    perks: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(default_factory=list, max_length=20)


class TiersIn(RequestModel):
    """PUT /tiers: the whole ladder, lowest first; the lowest starts at 0."""

    basis: TierBasis = TierBasis.POINTS
    review_months: int = Field(default=12, ge=1, le=36, strict=True, description="months a tier holds before review")
    tiers: list[Tier] = Field(min_length=1, max_length=12)

    @field_validator("tiers")
    @classmethod
    def _ladder(cls, tiers: list[Tier]) -> list[Tier]:
        ids = [t.id for t in tiers]
        if len(set(ids)) != len(ids):
            raise ValueError("tier ids must be unique")
        if tiers[0].threshold != 0:
            raise ValueError("the lowest tier starts at threshold 0")
        if any(a.threshold >= b.threshold for a, b in itertools.pairwise(tiers)):
            raise ValueError("thresholds must rise strictly, lowest tier first")
        return tiers


class Tiers(TiersIn):
    updated_at: datetime | None = None
    version: int = 0  # 0: the built-in default, never stored

    @property
    def lowest(self) -> Tier:
        return self.tiers[0]

    def get(self, tier_id: str) -> Tier | None:
        return next((t for t in self.tiers if t.id == tier_id), None)

    def rank(self, tier_id: str) -> int:
        """Its place on the ladder (a tier no longer defined ranks lowest)."""
        return next((i for i, t in enumerate(self.tiers) if t.id == tier_id), 0)

    def qualifying(self, amount: Decimal) -> Tier:
        """The highest tier whose threshold ``amount`` reaches."""
        return [t for t in self.tiers if amount >= t.threshold][-1]

    def above(self, tier_id: str) -> Tier | None:
        rank = self.rank(tier_id)
        return self.tiers[rank + 1] if rank + 1 < len(self.tiers) else None


class TierProgress(BaseModel):
    """Where a member stands: what counts (rolling), the next tier and what it still takes."""

    basis: TierBasis
    qualifying: Decimal
    next_tier: str | None = None
    needed: Decimal | None = None


DEFAULT_TIERS = Tiers(
    tiers=[
        Tier(id="bronze", name="Bronze", threshold=Decimal(0)),
        Tier(id="silver", name="Silver", threshold=Decimal(1000), multiplier=Decimal("1.25"), perks=["free shipping"]),
        Tier(
            id="gold",
            name="Gold",
            threshold=Decimal(5000),
            multiplier=Decimal("1.5"),
            perks=["free shipping", "priority support"],
        ),
    ]
)
