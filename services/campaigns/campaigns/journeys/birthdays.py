"""Birthdays without a scan: each contact with a known birthday has one one-time schedule,
for their next birthday (``BirthdayDue`` at 09:00 UTC); when it fires, the birthday journey
starts and the schedule for the year after is made. Why a per-contact chain rather than a
daily schedule reading "whose birthday is today": the daily one needs an index of contacts
by day kept beside the recipient view and a fan-out of its pages; Scheduler already is that
index, one schedule per person (a quota of a million by default, raised on request), and
each fires alone, so one person's failure is retried alone.

The schedule is named by contact and year, so planning twice (a redelivered event) is a
no-op, and a changed birthday cancels the old one by name before planning the new one.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time

from campaigns.events import BirthdayDue
from campaigns.journeys.models import TriggerEvent
from campaigns.journeys.usecases import Clock, Deadlines, JourneyPorts, trigger
from shared.events import new_event
from shared.schedules import schedule_name

GREETING_TIME = time(9, 0)  # UTC; contacts carry no time zone yet


def _on(birthday: date, year: int) -> date:
    # Born on 29 February: the 28th in other years.
    return date(year, birthday.month, min(birthday.day, calendar.monthrange(year, birthday.month)[1]))


def next_birthday(birthday: date, after: datetime) -> date:
    """The first birthday whose greeting time is later than ``after``."""
    for year in (after.year, after.year + 1):
        day = _on(birthday, year)
        if datetime.combine(day, GREETING_TIME, tzinfo=UTC) > after:
            return day
    raise AssertionError("unreachable: a birthday comes every year")


def birthday_schedule(contact_id: str, year: int) -> str:
    return schedule_name("birthday", contact_id, str(year))


def plan_birthday(contact_id: str, birthday: date, deadlines: Deadlines, after: datetime) -> date:
    """Schedule the contact's next BirthdayDue after ``after``; returns its day."""
    day = next_birthday(birthday, after)
    due = new_event(BirthdayDue(contact_id=contact_id, on=day))
    deadlines.schedule_event(birthday_schedule(contact_id, day.year), datetime.combine(day, GREETING_TIME, UTC), due)
    return day


def birthday_changed(
    contact_id: str, previous: date | None, birthday: date | None, deadlines: Deadlines, clock: Clock
) -> date | None:
    """The recipient view learnt a new birthday (or lost it): the old schedule goes, the new
    one is made. What the audience calls when it stores a birthday."""
    now = clock()
    if previous is not None:
        deadlines.cancel_schedule(birthday_schedule(contact_id, next_birthday(previous, now).year))
    return plan_birthday(contact_id, birthday, deadlines, now) if birthday is not None else None


def birthday_due(contact_id: str, on: date, event_id: str, ports: JourneyPorts) -> list[str]:
    """The schedule fired: the birthday journey starts (once this year: the run is active or
    the source is claimed), and next year's is planned from the same day."""
    started = trigger(TriggerEvent.BIRTHDAY_DUE, contact_id, ports, event_id=event_id)
    after = datetime.combine(on, GREETING_TIME, UTC)
    plan_birthday(contact_id, on, ports.deadlines, max(after, ports.clock()))
    return started
