"""An in-memory ledger with the table's guarantees (a version guard per member, each cause
once), and a schedules recorder: the use cases' unit tests run on these."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from loyalty.earning.models import DEFAULT_RULES
from loyalty.earning.points import Terms
from loyalty.ledger.models import NEVER, Duplicate, LedgerEntry, Lot, Posting, Stale
from loyalty.ledger.ports import Books
from loyalty.members.models import Member
from loyalty.program.models import DEFAULT_PROGRAM
from loyalty.tiers.models import DEFAULT_TIERS
from shared.events import EventMetadata, Outgoing


class FakeLedger:
    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.entries: dict[str, dict[int, LedgerEntry]] = {}
        self.causes: dict[tuple[str, str], dict[str, Any]] = {}
        self.open_lots: dict[str, dict[tuple[date, str], Lot]] = {}
        self.events: list[Outgoing] = []
        self.stale_to_raise = 0  # someone else writes the member first, this many times

    def member(self, contact_id: str) -> Member | None:
        found = self.members.get(contact_id)
        return found.model_copy(deep=True) if found else None

    def cause(self, contact_id: str, cause_id: str) -> dict[str, Any] | None:
        found = self.causes.get((contact_id, cause_id))
        return copy.deepcopy(found) if found is not None else None

    def lots(self, contact_id: str, until: date = NEVER, limit: int | None = None) -> list[Lot]:
        lots = sorted(self.open_lots.get(contact_id, {}).items())
        return [lot.model_copy() for (day, _), lot in lots if day <= until][:limit]

    def lot(self, contact_id: str, expires_on: date, lot_id: str) -> Lot | None:
        found = self.open_lots.get(contact_id, {}).get((expires_on, lot_id))
        return found.model_copy() if found else None

    def entry(self, contact_id: str, seq: int) -> LedgerEntry:
        return self.entries[contact_id][seq]

    def ledger(self, contact_id: str, limit: int, start: Any) -> tuple[list[LedgerEntry], None]:
        return sorted(self.entries.get(contact_id, {}).values(), key=lambda e: -e.seq)[:limit], None

    def forget_birthday(self, contact_id: str) -> None:
        if contact_id in self.members:
            self.members[contact_id].birthday = None

    def post(self, *postings: Posting) -> None:
        for posting in postings:
            contact_id = posting.after.contact_id
            if (contact_id, posting.cause_id) in self.causes:
                raise Duplicate
            stored = self.members.get(contact_id)
            if posting.before is None and stored is not None:
                raise Stale
            if posting.before is not None and (stored is None or stored.version != posting.before.version):
                raise Stale
        if self.stale_to_raise:
            self.stale_to_raise -= 1
            raise Stale
        for posting in postings:
            self._apply(posting)

    def _apply(self, posting: Posting) -> None:
        contact_id = posting.after.contact_id
        self.members[contact_id] = posting.after.model_copy(deep=True)
        self.causes[(contact_id, posting.cause_id)] = {**posting.cause, "seq": posting.after.version}
        for cause_id, data in posting.amended:
            self.causes[(contact_id, cause_id)] = copy.deepcopy(data)
        if posting.entry is not None:
            self.entries.setdefault(contact_id, {})[posting.entry.seq] = posting.entry
        lots = self.open_lots.setdefault(contact_id, {})
        for lot in posting.opened:
            lots[(lot.expires_on, lot.lot_id)] = lot.model_copy()
        for lot, taken in posting.taken:
            key = (lot.expires_on, lot.lot_id)
            if taken >= lots[key].remaining:
                del lots[key]
            else:
                lots[key] = lots[key].model_copy(update={"remaining": lots[key].remaining - taken})
        self.events += posting.events

    # What every test asserts: the books balance.
    def assert_balanced(self, contact_id: str) -> None:
        member = self.members[contact_id]
        entries = sum(e.points for e in self.entries.get(contact_id, {}).values())
        lots = sum(lot.remaining for lot in self.open_lots.get(contact_id, {}).values())
        assert member.points_balance == entries == lots, (member.points_balance, entries, lots)
        assert member.points_balance >= 0


class FakeSchedules:
    def __init__(self) -> None:
        self.planned: dict[str, tuple[datetime, Outgoing]] = {}

    def schedule_event(self, name: str, when: datetime, event: Outgoing) -> bool:
        if name in self.planned:
            return False
        self.planned[name] = (when, event)
        return True


class Clock:
    """A fixed clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def books(repo: FakeLedger | None = None, clock: Clock | None = None, **program: Any) -> Books:
    terms = Terms(DEFAULT_PROGRAM.model_copy(update=program), DEFAULT_TIERS, list(DEFAULT_RULES))
    return Books(repo or FakeLedger(), terms, FakeSchedules(), clock or Clock(datetime(2026, 3, 15, 12, tzinfo=UTC)))


def cause(at: datetime | None = None) -> EventMetadata:
    event_id = str(uuid.uuid4())
    return EventMetadata(
        event_id=event_id, event_version=1, occurred_at=at or datetime.now(UTC), correlation_id=event_id
    )


def money(value: str) -> Decimal:
    return Decimal(value)
