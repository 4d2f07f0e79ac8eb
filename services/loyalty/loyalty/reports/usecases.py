"""The reports' use cases: what each of loyalty's own events adds to the counters, and the
report of a range of days (sums of day counters, never a scan of members or entries)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from loyalty.reports.models import Count, Coupons, DayCounts, Liability, Report, RewardUse

TOP_REWARDS = 10
MONEY = Decimal("0.01")


class Counters(Protocol):
    def count(self, event_id: str, count: Count) -> bool: ...
    def days(self, start: date, end: date) -> DayCounts: ...
    def running(self) -> tuple[int, dict[str, int]]: ...


def count_event(counters: Counters, event_id: str, count: Count) -> bool:
    """Count one event exactly once (its id's marker commits with the additions)."""
    return counters.count(event_id, count)


def _money(points: int, point_value: Decimal) -> Decimal:
    # What the points are worth when spent (the program's ``point_value``), in cents; half
    # up, as a finance reader rounds, not the Decimal default's half even.
    return (Decimal(points) * point_value).quantize(MONEY, rounding=ROUND_HALF_UP)


def report(counters: Counters, start: date, end: date, *, point_value: Decimal, currency: str) -> Report:
    days = counters.days(start, end)
    outstanding, tiers = counters.running()
    n = days.totals.get
    earned, redeemed = n("earned", 0), n("redeemed", 0)
    rate = (Decimal(redeemed) / Decimal(earned)).quantize(Decimal("0.0001")) if earned else None
    ranked = sorted(days.rewards.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:TOP_REWARDS]
    return Report(
        from_date=start,
        to_date=end,
        liability=Liability(points=outstanding, money=_money(outstanding, point_value), currency=currency),
        points_earned=earned,
        points_redeemed=redeemed,
        points_expired=n("expired", 0),
        points_reversed=n("reversed", 0),
        points_adjusted=n("adjusted", 0),
        redemption_rate=rate,
        active_members=n("active", 0),
        members_enrolled=n("enrolled", 0),
        # A tier every member left still shows, at 0: dropped here so the answer lists held tiers.
        tiers={tier: members for tier, members in sorted(tiers.items()) if members},
        top_rewards=[RewardUse(reward_id=r, count=c, points=p) for r, (c, p) in ranked],
        coupons=Coupons(issued=n("coupons_issued", 0), redeemed=n("coupons_redeemed", 0)),
    )
