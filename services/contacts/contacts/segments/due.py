"""Membership that time alone changes, without scans: the daily due job.

Every evaluation of a contact records the day its time-dependent rules next flip (its
``due`` day: e.g. the day after last_purchase_at + N days for ``within_days N``) in the
day index IDX#seg_due#<day>, moved in the same transaction as the contact's SEGMENTS
item. Daily, just after midnight UTC (resources.yaml SegmentsDue), this job reads the
index partitions of the days since its last run and re-evaluates exactly those contacts:
those whose rules stopped holding exit (SegmentExited), and each gets its next due day.

Idempotent: a re-evaluation writes only a difference, and moves the contact's entry off
the day it ran for, so a second run for the same day finds nothing to change (and the
last-run mark makes it skip the day altogether). A run cut short (timeout) leaves the
unprocessed entries where they are and the mark unset: the next run picks them up. Days
missed are caught up, up to CATCH_UP_DAYS.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Protocol

from contacts.segments.backfill import PAGE_SIZE, BatchStore, reevaluate_many
from shared.observability import logger

if TYPE_CHECKING:
    from datetime import date

CATCH_UP_DAYS = 31


class DueStore(BatchStore, Protocol):
    def due_on(self, day: date) -> Iterable[str]: ...
    def due_last_run(self) -> date | None: ...
    def set_due_last_run(self, day: date) -> None: ...


def reevaluate_due(store: DueStore, now: datetime) -> int:
    """Re-evaluate the contacts due on each day since the last run through today; returns
    how many segment entries/exits that wrote."""
    today = now.date()
    last = store.due_last_run()
    first = today if last is None else max(last + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS - 1))
    moves, contacts = 0, 0
    day = first
    while day <= today:
        for batch in _batches(store.due_on(day), PAGE_SIZE):
            # Read in batches (3 BatchGetItem per 100 contacts); only changes are written.
            contacts += len(batch)
            moves += len(reevaluate_many(batch, store, now=now))
        day += timedelta(days=1)
    if first <= today:
        store.set_due_last_run(today)
    logger.info(
        "segments due re-evaluated",
        extra={"contacts": contacts, "moves": moves, "from": first.isoformat(), "to": today.isoformat()},
    )
    return moves


def _batches(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(ids)
    while batch := list(islice(it, size)):
        yield batch
