"""The ledger's ports and how every use case writes through them: build a posting from
fresh reads, write it, again while the member moves (its version), once per cause."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from loyalty.earning.points import Terms
from loyalty.ledger.models import NEVER, Duplicate, LedgerEntry, Lot, Posting, Stale
from loyalty.ledger.repository import MAX_LOTS_PER_POSTING
from loyalty.members.models import Member
from shared.errors import Unprocessable
from shared.events import Outgoing
from shared.reach import not_found

MAX_ATTEMPTS = 16
MAX_MERGE_HOPS = 5


class Contended(Exception):
    """The member kept changing under us: the event is retried later (SQS redelivery)."""


class Ledger(Protocol):
    def member(self, contact_id: str) -> Member | None: ...
    def cause(self, contact_id: str, cause_id: str) -> dict[str, Any] | None: ...
    def lots(self, contact_id: str, until: date = NEVER, limit: int | None = None) -> list[Lot]: ...
    def lot(self, contact_id: str, expires_on: date, lot_id: str) -> Lot | None: ...
    def ledger(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[LedgerEntry], dict[str, Any] | None]: ...
    def entry(self, contact_id: str, seq: int) -> LedgerEntry: ...
    def post(self, *postings: Posting) -> None: ...
    def forget_birthday(self, contact_id: str) -> None: ...


class Deadlines(Protocol):
    def schedule_event(self, name: str, when: datetime, event: Outgoing) -> bool: ...


Clock = Callable[[], datetime]


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Books:
    """What every ledger use case works with: the ledger, the program's terms as read for
    this call, the schedules, the clock (fixed in tests)."""

    repo: Ledger
    terms: Terms
    deadlines: Deadlines
    clock: Clock = now_utc


def write(build: Callable[[], Posting | tuple[Posting, ...] | None], repo: Ledger) -> Posting | None:
    """Build a posting (or several, one per member, in one transaction) from fresh reads and
    write it, again while a member moves under it; None when there is nothing to do or the
    cause was posted already. Returns the (last) posting written."""
    for attempt in range(MAX_ATTEMPTS):
        built = build()
        if built is None:
            return None
        postings = built if isinstance(built, tuple) else (built,)
        try:
            repo.post(*postings)
        except Duplicate:
            return None
        except Stale:
            # Jittered: eight writers on one member must not retry in step.
            time.sleep(random.uniform(0, 0.004 * (attempt + 1)))  # noqa: S311  # not a secret
            continue
        return postings[-1]
    raise Contended("the member kept changing: try again")


def resolve(contact_id: str, repo: Ledger) -> Member | None:
    """The member a contact's points live on: a merged-away member's winner."""
    member = repo.member(contact_id)
    for _ in range(MAX_MERGE_HOPS):
        if member is None or member.merged_into is None:
            return member
        member = repo.member(member.merged_into)
    return member


def home_member(contact_id: str, repo: Ledger) -> Member:
    """The member a contact's points live on (a merged-away one's winner), or 404."""
    member = resolve(contact_id, repo)
    if member is None:
        raise not_found("member", contact_id)
    return member


def posted_before_merge(contact_id: str, member: Member, cause_id: str, repo: Ledger) -> bool:
    """Whether ``cause_id`` was posted on ``contact_id`` before it was merged into ``member``
    (each cause is written once in its member's partition: a redelivery after a merge
    resolves to the winner, where that cause is not)."""
    return member.contact_id != contact_id and repo.cause(contact_id, cause_id) is not None


def get_member(contact_id: str, repo: Ledger) -> Member:
    member = repo.member(contact_id)
    if member is None:
        raise not_found("member", contact_id)
    return member


def lots_for(member: Member, points: int, repo: Ledger) -> list[Lot]:
    lots = repo.lots(member.contact_id, limit=MAX_LOTS_PER_POSTING)
    held = sum(lot.remaining for lot in lots)
    if held < points <= member.points_balance:
        raise Unprocessable(
            "these points lie in too many small lots for one transaction: spend fewer at a time",
            errors=[{"field": "points", "message": f"at most {held} at once"}],
        )
    return lots
