"""Birthdays without a scan: each contact with a known birthday has one one-time schedule,
for their next birthday (``BirthdayDue`` at 09:00 UTC); when it fires, the birthday journey
starts and the schedule for the year after is made. Why a per-contact chain rather than a
daily schedule reading "whose birthday is today": the daily one needs an index of contacts
by day kept beside the recipient view and a fan-out of its pages; Scheduler already is that
index, one schedule per person (a quota of a million by default, raised on request), and
each fires alone, so one person's failure is retried alone.

The schedule is named by contact and year, so planning twice (a redelivered event) is a
no-op, and a changed birthday (ContactUpdated naming ``birthday``, with its value) cancels
the old one by name before planning the new one; the birthday planned from is kept
(``CONTACT#<id>``/``BIRTHDAY``), so the chain needs nothing of the recipient view.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from typing import Protocol

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


class Birthdays(Protocol):
    """The birthday each contact's greeting is planned from (repository.BirthdayRepository)."""

    def get(self, contact_id: str) -> date | None: ...
    def put(self, contact_id: str, birthday: date | None) -> None: ...


def birthday_changed(
    contact_id: str, birthday: date | None, book: Birthdays, deadlines: Deadlines, clock: Clock
) -> date | None:
    """Contacts changed the birthday (ContactUpdated), or erased it (None): the old schedule
    goes, the new one is made. Idempotent: the same birthday again changes nothing."""
    previous, now = book.get(contact_id), clock()
    if previous == birthday:
        return None
    if previous is not None:
        deadlines.cancel_schedule(birthday_schedule(contact_id, next_birthday(previous, now).year))
    book.put(contact_id, birthday)
    return plan_birthday(contact_id, birthday, deadlines, now) if birthday is not None else None


def birthday_due(contact_id: str, on: date, event_id: str, book: Birthdays, ports: JourneyPorts) -> list[str]:
    """The schedule fired: the birthday journey starts (once this year: the run is active or
    the source is claimed), and next year's is planned. A schedule whose birthday changed
    meanwhile (its cancellation raced the firing) greets nobody."""
    birthday = book.get(contact_id)
    if birthday is None or _on(birthday, on.year) != on:
        return []
    started = trigger(TriggerEvent.BIRTHDAY_DUE, contact_id, ports, event_id=event_id)
    after = datetime.combine(on, GREETING_TIME, UTC)
    plan_birthday(contact_id, birthday, ports.deadlines, max(after, ports.clock()))
    return started
