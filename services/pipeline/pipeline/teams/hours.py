"""Working-hours arithmetic: a deadline of N working hours counts only the rep's periods.

A rep without working hours (or with no period on any day) works around the clock. Days
are walked in the rep's time zone, so a period keeps its wall-clock times across a DST
change; holidays are not modelled here (a rep sets ``away`` instead).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pipeline.teams.models import WEEKDAYS, WorkingHours

MAX_DAYS = 3 * 366  # a deadline further out than this is a configuration error, not a wait


def _clock(text: str) -> time | None:
    """``HH:MM`` (``24:00``: the end of the day, returned as None)."""
    return None if text == "24:00" else time.fromisoformat(text)


def add_working_hours(start: datetime, hours: float, working: WorkingHours | None) -> datetime:
    """The instant ``hours`` working hours after ``start`` (aware; in ``start``'s time zone)."""
    left = timedelta(hours=hours)
    if working is None or not any(working.days.values()):
        return start + left
    zone = ZoneInfo(working.timezone)
    local = start.astimezone(zone)
    day = local.date()
    for _ in range(MAX_DAYS):
        for begin_text, end_text in sorted(working.days.get(WEEKDAYS[day.weekday()], [])):
            begin = datetime.combine(day, _clock(begin_text) or time(0), zone)
            end_clock = _clock(end_text)  # None: midnight at the end of the day
            end = datetime.combine(day if end_clock else day + timedelta(days=1), end_clock or time(0), zone)
            begin = max(begin, local)
            if end <= begin:
                continue
            if end - begin >= left:
                return (begin + left).astimezone(start.tzinfo)
            left -= end - begin
        day += timedelta(days=1)
    raise ValueError(f"{hours} working hours do not fit in {MAX_DAYS} days of these working hours")
