"""An in-memory history store (HistoryStore, RecencyStore, MergeMetricsStore), honest
about what HistoryRepository guarantees:

- ``commit`` is all or nothing. A claim (ORDER#/REFUND#/INTERACTION#) already there raises
  AlreadyRecorded; a claim for a contact without a profile raises ContactMissing; METRICS
  not at the version read (0: none stored) raise VersionConflict - checked in that order;
  stored METRICS get version + 1;
- ``add_entry`` is False without a profile, and a repeat of the same entry is a no-op;
- ``entries`` are newest first, filtered by kind inside the contact, and a full page
  carries the key to continue after;
- ``commit_metrics`` replaces or deletes METRICS only at the version read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contacts.history.metrics import Metrics
from contacts.history.models import TimelineEntry
from contacts.history.usecases import AlreadyRecorded, ContactMissing, HistoryWrite, VersionConflict
from contacts.table.keys import TIMELINE_PREFIX, contact_pk
from shared.events import Outgoing

if TYPE_CHECKING:
    from contacts.history.merge import MetricsCommit


class FakeHistory:
    def __init__(self, *contact_ids: str) -> None:
        self.profiles: set[str] = set(contact_ids)
        self.stored: dict[str, Metrics] = {}
        self.claims: dict[tuple[str, str], dict[str, Any]] = {}
        self.timeline: dict[str, dict[str, TimelineEntry]] = {}
        self.last_purchase: dict[date, set[str]] = {}
        self.counters: dict[str, dict[str, Decimal]] = {}
        self.events: list[Outgoing] = []
        self.job_last_run: date | None = None
        self.commits = 0
        self.before_commit: Callable[[], None] | None = None  # a concurrent writer, run once

    # --- reading ------------------------------------------------------------------------

    def contact_exists(self, contact_id: str) -> bool:
        return contact_id in self.profiles

    def metrics(self, contact_id: str) -> Metrics | None:
        return self.stored.get(contact_id)

    def entries(
        self, contact_id: str, limit: int, start: dict[str, Any] | None, kind: str | None = None
    ) -> tuple[list[TimelineEntry], dict[str, Any] | None]:
        ids = sorted(self.timeline.get(contact_id, {}), reverse=True)
        if start:
            ids = [i for i in ids if i < str(start["sk"]).removeprefix(TIMELINE_PREFIX)]
        found = [e for i in ids if (e := self.timeline[contact_id][i]).kind == kind or kind is None][:limit]
        last = {"pk": contact_pk(contact_id), "sk": TIMELINE_PREFIX + found[-1].id} if len(found) >= limit else None
        return found, last

    def claimed_entry(self, contact_id: str, claim_sk: str) -> TimelineEntry | None:
        claim = self.claims.get((contact_id, claim_sk))
        if claim is None or "entry_id" not in claim:
            return None
        return self.timeline.get(contact_id, {}).get(claim["entry_id"])

    # --- writing ------------------------------------------------------------------------

    def add_entry(self, contact_id: str, entry: TimelineEntry) -> bool:
        if contact_id not in self.profiles:
            return False
        self.timeline.setdefault(contact_id, {}).setdefault(entry.id, entry)
        return True

    def _check_version(self, contact_id: str, version: int) -> None:
        current = self.stored.get(contact_id)
        if (current.version if current else 0) != version:
            raise VersionConflict(contact_id)

    def commit(self, write: HistoryWrite) -> None:
        if self.before_commit is not None:
            interfere, self.before_commit = self.before_commit, None
            interfere()
        cid = write.contact_id
        if write.claim_sk and (cid, write.claim_sk) in self.claims:
            raise AlreadyRecorded(write.claim_sk)
        if write.claim_sk and cid not in self.profiles:
            raise ContactMissing(cid)
        self._check_version(cid, write.metrics.version)
        self.commits += 1
        if write.claim_sk:
            self.claims[(cid, write.claim_sk)] = {"sk": write.claim_sk, **write.claim}
        self.stored[cid] = replace(write.metrics, version=write.metrics.version + 1)
        if write.entry:
            self.timeline.setdefault(cid, {})[write.entry.id] = write.entry
        self._move_index(cid, write.index_put, write.index_delete)
        self._add(write.counters.items)
        self.events.extend(write.events)

    def commit_metrics(self, commit: MetricsCommit) -> None:
        for move in commit.moves:
            self._check_version(move.contact_id, move.version)
        for move in commit.moves:
            if move.after is None:
                self.stored.pop(move.contact_id, None)
            else:
                self.stored[move.contact_id] = replace(move.after, version=move.version + 1)
            self._move_index(move.contact_id, move.index_put, move.index_delete)
        self._add(commit.counters.items)
        self.events.extend(commit.events)

    def _move_index(self, contact_id: str, put: date | None, delete: date | None) -> None:
        if delete:
            self.last_purchase.get(delete, set()).discard(contact_id)
        if put:
            self.last_purchase.setdefault(put, set()).add(contact_id)

    def _add(self, items: dict[str, dict[str, Decimal]]) -> None:
        for pk, deltas in items.items():
            counter = self.counters.setdefault(pk, {})
            for name, delta in deltas.items():
                counter[name] = counter.get(name, Decimal(0)) + delta

    # --- merge ------------------------------------------------------------------------

    def purchases(self, contact_id: str) -> list[dict[str, Any]]:
        return [
            dict(item)
            for (cid, sk), item in sorted(self.claims.items())
            if cid == contact_id and sk.startswith(("ORDER#", "REFUND#", "INTERACTION#"))
        ]

    # --- the recency job ------------------------------------------------------------------

    def contacts_last_bought_on(self, day: date) -> Iterable[str]:
        return sorted(self.last_purchase.get(day, set()))

    def last_run(self) -> date | None:
        return self.job_last_run

    def set_last_run(self, day: date) -> None:
        self.job_last_run = day
