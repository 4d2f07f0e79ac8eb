"""Domain records and response bodies of the loyalty service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Tier(StrEnum):
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


# Lower bound of lifetime points for each tier, highest first.
TIER_THRESHOLDS: tuple[tuple[int, Tier], ...] = ((5000, Tier.GOLD), (1000, Tier.SILVER), (0, Tier.BRONZE))


def tier_for(lifetime_points: int) -> Tier:
    return next(tier for floor, tier in TIER_THRESHOLDS if lifetime_points >= floor)


class Member(BaseModel):
    contact_id: str
    points_balance: int = 0
    lifetime_points: int = 0
    tier: Tier = Tier.BRONZE
    enrolled_at: datetime
    # Optimistic concurrency of balance updates; not part of the API body.
    version: int = Field(default=0, exclude=True)


class LedgerEntry(BaseModel):
    """One credit or debit. ``entry_id`` is the id of the event that caused it: one entry per cause."""

    entry_id: str
    points: int
    reason: str
    balance_after: int
    occurred_at: datetime


class LedgerPage(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None = None
