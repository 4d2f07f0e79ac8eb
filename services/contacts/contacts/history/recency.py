"""Recency decays with time, without any event: a daily job re-scores the contacts whose
recency score changes today, and only those.

A score drops only on the days a RECENCY_DAYS bound is crossed (31, 61, 91 and 181 days
after the last purchase). The order transaction keeps one index entry per contact under
its last-purchase day (IDX#last_purchase#<day>), so the job reads four index partitions
per day, never the table. It also catches up on days it missed (up to CATCH_UP_DAYS),
and a second run on the same day changes nothing (the write is conditional on a change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Protocol

from contacts.history.metrics import recency_boundaries
from contacts.history.usecases import Counters, HistoryStore, HistoryWrite, VersionConflict, metrics_event
from shared.events import new_event
from shared.observability import logger

CATCH_UP_DAYS = 31


class RecencyStore(HistoryStore, Protocol):
    def contacts_last_bought_on(self, day: date) -> Iterable[str]: ...
    def last_run(self) -> date | None: ...
    def set_last_run(self, day: date) -> None: ...


def rescore_contact(contact_id: str, last_purchase_day: date, today: date, store: HistoryStore) -> bool:
    """Re-score one contact as of ``today``. True when something changed. A deleted
    contact's metrics are kept until its erasure, but nothing is said about it any more."""
    if not store.contact_exists(contact_id):
        return False
    for _ in range(3):
        before = store.metrics(contact_id)
        if before is None or before.last_purchase_at is None or before.last_purchase_at.date() != last_purchase_day:
            return False  # bought again since (the index moved with the purchase)
        after = before.scored(today)
        active = after.is_active_on(today)
        if after.recency_score == before.recency_score and active == before.active:
            return False
        counters = Counters()
        if before.active and not active:
            # Lapsed: counted on the processing day, like activations (see analytics).
            counters.day(today, lapsed=1)
            counters.totals(active_customers=-1)
        after = replace(after, active=active)
        try:
            store.commit(
                HistoryWrite(
                    contact_id=contact_id, metrics=after, events=[new_event(metrics_event(after))], counters=counters
                )
            )
        except VersionConflict:
            continue
        return True
    logger.warning("re-scoring skipped: metrics kept changing", extra={"contact_id": contact_id})
    return False


def rescore_due(store: RecencyStore, today: date) -> int:
    """Re-score every contact whose recency bound was crossed since the last run."""
    last = store.last_run()
    first = today if last is None else max(last + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS - 1))
    changed = 0
    day = first
    while day <= today:
        for bound in recency_boundaries():
            bought_on = day - timedelta(days=bound)
            for contact_id in store.contacts_last_bought_on(bought_on):
                changed += rescore_contact(contact_id, bought_on, today, store)
        day += timedelta(days=1)
    store.set_last_run(today)
    logger.info("recency re-scored", extra={"changed": changed, "from": first.isoformat(), "to": today.isoformat()})
    return changed
