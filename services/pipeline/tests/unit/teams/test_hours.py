"""Working-hours deadlines: only the rep's periods count, in their time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.teams.hours import add_working_hours
from pipeline.teams.models import WorkingHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = WorkingHours(
    timezone="Asia/Shanghai",
    days={d: [("09:00", "12:00"), ("13:30", "18:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
)
FRIDAY_5PM = datetime(2026, 12, 4, 17, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("hours", "due"),
    [
        (0.5, datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI)),  # within Friday's last period
        (1, datetime(2026, 12, 4, 18, tzinfo=SHANGHAI)),  # exactly its end
        (2, datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)),  # over the weekend to Monday morning
        (5, datetime(2026, 12, 7, 14, 30, tzinfo=SHANGHAI)),  # over Monday's lunch break
        (24, datetime(2026, 12, 10, 9, 30, tzinfo=SHANGHAI)),  # 1 + 7.5 x 3 + 0.5
    ],
)
def test_only_working_periods_count(hours: float, due: datetime) -> None:
    assert add_working_hours(FRIDAY_5PM, hours, WEEK) == due


def test_a_start_outside_hours_waits_for_the_next_period() -> None:
    saturday = datetime(2026, 12, 5, 3, tzinfo=UTC)
    assert add_working_hours(saturday, 1, WEEK) == datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)


def test_without_working_hours_the_clock_runs_around_the_clock() -> None:
    start = datetime(2026, 12, 5, 3, tzinfo=UTC)
    assert add_working_hours(start, 30, None) == datetime(2026, 12, 6, 9, tzinfo=UTC)
    assert add_working_hours(start, 1, WorkingHours(timezone="UTC")) == datetime(2026, 12, 5, 4, tzinfo=UTC)
