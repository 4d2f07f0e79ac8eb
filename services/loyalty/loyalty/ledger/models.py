"""The points ledger: append-only entries, and the lots accruals open.

Every accrual opens a lot with its expiry date; a debit (redemption, expiry, negative
adjustment, reversal) names the lots it took points from, soonest expiry first, so expiry
takes only what is left of a lot and a spend is never deducted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from loyalty.members.models import Member
from shared.errors import Conflict
from shared.events import Outgoing
from shared.inputs import RequestModel

NEVER = date(9999, 12, 31)  # the expiry of a lot that does not expire (sorts last)


class EntryKind(StrEnum):
    ACCRUAL = "accrual"
    REDEMPTION = "redemption"
    EXPIRY = "expiry"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"


class LotUse(BaseModel):
    lot_id: str
    expires_on: date
    points: int


class Lot(BaseModel):
    lot_id: str  # the seq of the entry that opened it (or, moved by a merge, <from>.<seq>)
    expires_on: date
    points: int
    remaining: int
    earned_at: datetime
    order_id: str | None = None


class LedgerEntry(BaseModel):
    """One change of the balance. ``entry_id`` is its cause: an event id, an order, an
    Idempotency-Key; one entry per cause, ever."""

    entry_id: str
    seq: int
    kind: EntryKind
    points: int  # signed
    reason: str
    balance_after: int
    occurred_at: datetime  # when its cause happened
    recorded_at: datetime
    lot_id: str | None = None  # an accrual's lot
    expires_on: date | None = None
    lots: list[LotUse] = Field(default_factory=list)  # a debit's lots
    order_id: str | None = None
    by: str | None = None  # who adjusted (admin)


class LedgerPage(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None = None


class AdjustmentIn(RequestModel):
    """POST /members/{id}/adjustments (admin): a correction, with its reason."""

    points: int = Field(ge=-10_000_000, le=10_000_000, strict=True)
    reason: str = Field(min_length=3, max_length=300)


Extra = Any  # a function of the transaction: another feature's items in the posting


@dataclass
class Posting:
    """Everything one change of a member writes, in one transaction: the profile (guarded by
    the version read), its entry, its cause (written once), its lots and its events."""

    before: Member | None  # None: a new member (the profile must not exist)
    after: Member
    cause_id: str
    entry: LedgerEntry | None = None  # None: a profile-only change (a tier review)
    cause: dict[str, Any] = field(default_factory=dict)  # stored on the cause item
    opened: list[Lot] = field(default_factory=list)
    taken: list[tuple[Lot, int]] = field(default_factory=list)  # (lot, points taken from it)
    amended: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # earlier causes (with seq)
    events: list[Outgoing] = field(default_factory=list)
    extras: list[Extra] = field(default_factory=list)


class Duplicate(Exception):
    """This cause was posted already: nothing to do."""


class Stale(Exception):
    """The member (or a lot) changed since it was read: read again and retry."""


class Refused(Conflict):
    """A condition of another feature's item failed (``tags`` name which)."""

    def __init__(self, tags: set[str]) -> None:
        super().__init__(", ".join(sorted(tags)))
        self.tags = tags
