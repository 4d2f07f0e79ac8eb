"""An in-memory SegmentStore (with the batch, backfill and due parts), honest about what
SegmentRepository guarantees:

- ``apply`` writes a change only if the contact's SEGMENTS version is still the one read
  (False otherwise), moving members, member counts, the due-day index and the events
  together; its version moves once per transaction of up to 30 enters/exits;
- ``replace`` refuses a stale version or a deleted segment with Conflict; new rules with
  their event restart the backfill at page 0;
- a deleted segment keeps its DEF (tombstone) but leaves the listing evaluation reads;
- ``advance_backfill`` only moves a running job still at that version and page;
- definitions include the built-ins, created on first use as the repository does."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from contacts.segments.backfill import Job
from contacts.segments.usecases import Change, ContactFacts, Definition, Member, Segment, builtins
from shared.errors import Conflict
from shared.events import Outgoing


@dataclass
class _Def:
    segment: Segment
    status: str = "active"
    page: int = 0
    cursor: str | None = None
    evaluated: int = 0


@dataclass
class _Segments:
    memberships: dict[str, str] = field(default_factory=dict)
    version: int = 0
    due: date | None = None


# SegmentRepository's enters/exits per transaction (each one moves the SEGMENTS version).
CHANGES_PER_TRANSACTION = 30


class FakeSegments:
    def __init__(self) -> None:
        self.defs: dict[str, _Def] = {}
        self.listing: dict[str, Definition] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}
        self.all_index: list[str] = []  # contact ids in creation order (records' ALL index)
        self.segs: dict[str, _Segments] = {}
        self.members_of: dict[str, dict[str, str]] = {}  # segment id -> {contact id: joined}
        self.due_index: dict[date, set[str]] = {}
        self.events: list[Outgoing] = []
        self.last_run: date | None = None
        self.read: list[str] = []  # contact ids whose facts were read, in order
        self.before_apply: Callable[[str], None] | None = None  # a concurrent writer, once

    # --- test setup -------------------------------------------------------------------

    def add_contact(self, contact_id: str, profile: dict[str, Any], metrics: dict[str, Any] | None = None) -> None:
        self.profiles[contact_id] = profile
        if metrics is not None:
            self.metrics[contact_id] = metrics
        self.all_index.append(contact_id)

    def member_count(self, segment_id: str) -> int:
        return max(0, self.defs[segment_id].segment.member_count)

    def due_day_of(self, contact_id: str) -> date | None:
        days = [d for d, ids in self.due_index.items() if contact_id in ids]
        assert len(days) <= 1, f"{contact_id} is due on several days: {days}"
        return days[0] if days else None

    # --- evaluation -------------------------------------------------------------------

    def definitions(self) -> list[Definition]:
        self.ensure(builtins())
        return [self.listing[sid] for sid in sorted(self.listing)]

    def forget_definitions(self) -> None:
        pass  # never cached here

    def contact(self, contact_id: str) -> ContactFacts:
        self.read.append(contact_id)
        segs = self.segs.get(contact_id, _Segments())
        return ContactFacts(
            profile=dict(self.profiles[contact_id]) if contact_id in self.profiles else None,
            metrics=dict(self.metrics[contact_id]) if contact_id in self.metrics else None,
            memberships=dict(segs.memberships),
            version=segs.version,
            due=segs.due,
        )

    def contacts(self, contact_ids: list[str]) -> dict[str, ContactFacts]:
        return {c: self.contact(c) for c in dict.fromkeys(contact_ids)}

    def apply(self, contact_id: str, expected_version: int, change: Change, events: list[Outgoing]) -> bool:
        if self.before_apply is not None:
            interfere, self.before_apply = self.before_apply, None
            interfere(contact_id)
        segs = self.segs.setdefault(contact_id, _Segments())
        if segs.version != expected_version:
            return False
        for sid, _ in change.entered:
            self.members_of.setdefault(sid, {})[contact_id] = "joined"
            self._count(sid, +1)
        for sid, _ in change.exited:
            self.members_of.get(sid, {}).pop(contact_id, None)
            self._count(sid, -1)
        steps = len(change.entered) + len(change.exited)
        segs.version += max(1, math.ceil(steps / CHANGES_PER_TRANSACTION))
        segs.memberships = dict(change.memberships)
        if change.due != change.due_before:
            if change.due_before is not None:
                self.due_index.get(change.due_before, set()).discard(contact_id)
            if change.due is not None:
                self.due_index.setdefault(change.due, set()).add(contact_id)
        segs.due = change.due
        self.events.extend(events)
        return True

    def _count(self, segment_id: str, delta: int) -> None:
        d = self.defs.get(segment_id)
        if d is not None:
            d.segment = d.segment.model_copy(update={"member_count": d.segment.member_count + delta})

    # --- definitions ------------------------------------------------------------------

    def add(self, segment: Segment, events: list[Outgoing] | None = None) -> None:
        assert segment.id not in self.defs, "attribute_not_exists(pk)"
        self.defs[segment.id] = _Def(segment.model_copy(update={"member_count": 0}))
        self.listing[segment.id] = Definition(segment.id, segment.name, segment.rules)
        self.events.extend(events or [])

    def ensure(self, segments: list[Segment]) -> None:
        for s in segments:
            if s.id not in self.listing:
                self.add(s)

    def get(self, segment_id: str) -> Segment | None:
        d = self.defs.get(segment_id)
        if d is None or d.status == "deleted":
            return None
        return d.segment.model_copy(update={"member_count": max(0, d.segment.member_count)})

    def page(self, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]:
        ids = [i for i in sorted(self.listing) if cursor is None or i > cursor]
        found = [s for i in ids[:limit] if (s := self.get(i)) is not None]
        return found, ids[limit - 1] if len(ids) > limit else None

    def replace(self, segment: Segment, expected_version: int, events: list[Outgoing] | None = None) -> None:
        d = self.defs.get(segment.id)
        if d is None or d.status != "active" or d.segment.version != expected_version:
            raise Conflict("the segment changed since it was read; read it again")
        d.segment = segment.model_copy(update={"member_count": d.segment.member_count})
        if events and segment.backfill is not None:
            d.page, d.cursor, d.evaluated = 0, None, 0
        self.listing[segment.id] = Definition(segment.id, segment.name, segment.rules)
        self.events.extend(events or [])

    def remove(self, segment: Segment) -> None:
        self.defs[segment.id].status = "deleted"
        self.listing.pop(segment.id, None)

    def members(self, segment_id: str, limit: int, cursor: str | None) -> tuple[list[Member], str | None]:
        ids = [c for c in sorted(self.members_of.get(segment_id, {})) if cursor is None or c > cursor]
        page = [Member(contact_id=c, joined_at=datetime(2026, 1, 1, tzinfo=UTC)) for c in ids[:limit]]
        return page, ids[limit - 1] if len(ids) > limit else None

    # --- backfill ---------------------------------------------------------------------

    def backfill_job(self, segment_id: str) -> Job | None:
        d = self.defs.get(segment_id)
        if d is None or d.segment.backfill is None:
            return None
        b = d.segment.backfill
        return Job(segment_id, d.status == "active", b.state, b.version, d.page, d.cursor, d.evaluated)

    def all_contacts(self, cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        start = 0 if cursor is None else int(cursor) + 1
        ids = self.all_index[start : start + limit]
        more = start + limit < len(self.all_index)
        # Like DynamoDB: a full page has a LastEvaluatedKey, even if nothing follows it.
        last = str(start + len(ids) - 1) if ids and (more or len(ids) == limit) else None
        return ids, last

    def advance_backfill(self, job: Job, cursor: str | None, evaluated: int, event: Outgoing) -> bool:
        d = self.defs[job.segment_id]
        b = d.segment.backfill
        if b is None or b.state != "running" or b.version != job.version or d.page != job.page:
            return False
        d.page, d.cursor, d.evaluated = d.page + 1, cursor, d.evaluated + evaluated
        if cursor is None:
            b = b.model_copy(update={"state": "done"})
        d.segment = d.segment.model_copy(update={"backfill": b.model_copy(update={"evaluated": d.evaluated})})
        self.events.append(event)
        return True

    # --- the due job --------------------------------------------------------------------

    def due_on(self, day: date) -> Iterator[str]:
        yield from sorted(self.due_index.get(day, set()))

    def due_last_run(self) -> date | None:
        return self.last_run

    def set_due_last_run(self, day: date) -> None:
        self.last_run = day
