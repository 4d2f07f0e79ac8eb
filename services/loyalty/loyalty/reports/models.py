"""The reports: what one event adds to the counters, and the answer of GET /reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field

from shared.errors import BadRequest
from shared.inputs import QueryModel

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


@dataclass(frozen=True)
class Count:
    """One event's additions: to its day (``day``: field -> n), to the running totals
    (outstanding points, members per tier), to a reward's day, and the member it makes
    active in the month of ``day_of`` (counted once per member and month)."""

    day_of: date
    day: dict[str, int] = field(default_factory=dict)
    outstanding: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    reward_id: str | None = None
    reward_points: int = 0
    active_contact: str | None = None


@dataclass
class DayCounts:
    """The sums of the days read: field -> n, and reward id -> (uses, points)."""

    totals: dict[str, int] = field(default_factory=dict)
    rewards: dict[str, tuple[int, int]] = field(default_factory=dict)


class ReportQuery(QueryModel):
    from_: date | None = Field(None, alias="from", description="First day (ISO date, UTC); default: to - 30 days.")
    to: date | None = Field(None, description="Last day (ISO date, UTC), inclusive; default: today.")

    def span(self, today: date) -> tuple[date, date]:
        """The days asked for; a 422 naming the field at fault (checked here, after the
        defaults are filled, because a parse error of the query answers 400)."""
        end = self.to or today
        start = self.from_ or end - timedelta(days=DEFAULT_RANGE_DAYS)
        if end < start:
            raise BadRequest("to is before from", errors=[{"field": "to", "message": "must not be before from"}])
        if (end - start).days >= MAX_RANGE_DAYS:
            message = f"the range is at most {MAX_RANGE_DAYS} days"
            raise BadRequest(message, errors=[{"field": "from", "message": message}])
        return start, end


class Liability(BaseModel):
    points: int
    money: Decimal
    currency: str


class RewardUse(BaseModel):
    reward_id: str
    count: int
    points: int


class Coupons(BaseModel):
    issued: int
    redeemed: int


class Report(BaseModel):
    """GET /reports. ``active_members``: for each calendar month, the distinct members with
    an earning, redemption, reversal or adjustment in it (expiry is no activity), each counted
    on the day of their first such entry of the month; summed over the days of the range (so a
    member active in two months counts twice; a whole month counts each of its members once)."""

    from_date: date
    to_date: date
    liability: Liability
    points_earned: int
    points_redeemed: int
    points_expired: int
    points_reversed: int
    points_adjusted: int
    redemption_rate: Decimal | None = Field(description="redeemed / earned in the range; null when none earned")
    active_members: int
    members_enrolled: int
    tiers: dict[str, int] = Field(description="members per tier now")
    top_rewards: list[RewardUse]
    coupons: Coupons
