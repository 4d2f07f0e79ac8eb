"""The report's arithmetic over counters held in memory (a fake of the repository)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loyalty.reports.models import Count, DayCounts, ReportQuery
from loyalty.reports.usecases import count_event, report
from shared.errors import BadRequest

DAY = date(2026, 3, 5)


class FakeCounters:
    """Counts once per event id, like the marker in the repository's transaction."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.active: set[tuple[str, str]] = set()
        self.days_ = DayCounts()
        self.outstanding = 0
        self.tiers: dict[str, int] = {}

    def count(self, event_id: str, count: Count) -> bool:
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        day = dict(count.day)
        month = count.day_of.isoformat()[:7]
        if count.active_contact and (month, count.active_contact) not in self.active:
            self.active.add((month, count.active_contact))
            day["active"] = 1
        for name, n in day.items():
            self.days_.totals[name] = self.days_.totals.get(name, 0) + n
        if count.reward_id:
            uses, points = self.days_.rewards.get(count.reward_id, (0, 0))
            self.days_.rewards[count.reward_id] = (uses + 1, points + count.reward_points)
        self.outstanding += count.outstanding
        for tier, n in count.tiers.items():
            self.tiers[tier] = self.tiers.get(tier, 0) + n
        return True

    def days(self, start: date, end: date) -> DayCounts:
        return self.days_

    def running(self) -> tuple[int, dict[str, int]]:
        return self.outstanding, self.tiers


def test_outstanding_is_earned_less_spent_lost_and_taken_back_plus_adjusted() -> None:
    counters = FakeCounters()
    count_event(counters, "e1", Count(DAY, {"enrolled": 1}, tiers={"bronze": 1}))
    count_event(counters, "e2", Count(DAY, {"earned": 1000}, outstanding=1000, active_contact="c1"))
    count_event(counters, "e3", Count(DAY, {"redeemed": 250}, outstanding=-250, active_contact="c1"))
    count_event(counters, "e4", Count(DAY, {"expired": 100}, outstanding=-100))
    count_event(counters, "e5", Count(DAY, {"reversed": 50}, outstanding=-50, active_contact="c2"))
    count_event(counters, "e6", Count(DAY, {"adjusted": -33}, outstanding=-33, active_contact="c1"))
    count_event(counters, "e7", Count(DAY, tiers={"bronze": -1, "silver": 1}))
    assert not count_event(counters, "e2", Count(DAY, {"earned": 1000}, outstanding=1000))
    result = report(counters, DAY, DAY, point_value=Decimal("0.015"), currency="EUR")
    assert result.liability.points == 1000 - 250 - 100 - 50 - 33 == 567
    assert result.liability.money == Decimal("8.51")  # 567 x 0.015 = 8.505, half up
    assert result.redemption_rate == Decimal("0.2500")
    assert (result.points_expired, result.points_reversed, result.points_adjusted) == (100, 50, -33)
    assert result.active_members == 2 and result.members_enrolled == 1
    assert result.tiers == {"silver": 1}


def test_top_rewards_are_ten_by_count_then_points() -> None:
    counters = FakeCounters()
    for i in range(12):
        for n in range(i + 1):
            count_event(counters, f"r{i}-{n}", Count(DAY, reward_id=f"rw{i:02d}", reward_points=10))
    top = report(counters, DAY, DAY, point_value=Decimal(1), currency="EUR").top_rewards
    assert [t.reward_id for t in top] == [f"rw{i:02d}" for i in range(11, 1, -1)]
    assert (top[0].count, top[0].points) == (12, 120)


def test_nothing_earned_has_no_rate() -> None:
    assert report(FakeCounters(), DAY, DAY, point_value=Decimal(1), currency="EUR").redemption_rate is None


def test_the_range_defaults_and_its_limits() -> None:
    assert ReportQuery().span(DAY) == (date(2026, 2, 3), DAY)
    with pytest.raises(BadRequest) as backwards:
        ReportQuery.model_validate({"from": "2026-03-06", "to": "2026-03-05"}).span(DAY)
    assert backwards.value.extensions["errors"][0]["field"] == "to"
    with pytest.raises(BadRequest) as long:
        ReportQuery.model_validate({"from": "2025-03-04", "to": "2026-03-05"}).span(DAY)
    assert long.value.extensions["errors"][0]["field"] == "from"
    assert ReportQuery.model_validate({"from": "2025-03-05", "to": "2026-03-05"}).span(DAY)[0] == date(2025, 3, 5)
