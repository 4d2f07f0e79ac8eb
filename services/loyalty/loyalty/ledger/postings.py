"""Postings built from a member and a cause: a credit opens a lot, a debit takes points
from lots soonest-expiry first. Pure (tested without a table); the use cases write them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from loyalty.earning.points import Terms, pruned, retier
from loyalty.events import PointsAccrued, TierChanged
from loyalty.ledger.models import NEVER, EntryKind, LedgerEntry, Lot, LotUse, Posting
from loyalty.members.models import Member
from shared.errors import Conflict
from shared.events import EventMetadata, Outgoing, follow_up, new_event


class Insufficient(Conflict):
    """The balance does not cover a debit."""


def events_of(cause: EventMetadata | None, *events: Any) -> list[Outgoing]:
    return [follow_up(e, cause) if cause is not None else new_event(e) for e in events]


def tier_moved(before: Member, after: Member, cause: EventMetadata | None) -> list[Outgoing]:
    if before.tier == after.tier:
        return []
    changed = TierChanged(
        contact_id=after.contact_id, previous_tier=before.tier, tier=after.tier, lifetime_points=after.lifetime_points
    )
    return events_of(cause, changed)


def _month(at: datetime) -> str:
    return at.strftime("%Y-%m")


def credit(
    member: Member,
    points: int,
    *,
    reason: str,
    cause_id: str,
    occurred_at: datetime,
    now: datetime,
    terms: Terms,
    cause: EventMetadata | None = None,
    caps: dict[str, int] | None = None,
    order_id: str | None = None,
    spend: Decimal | None = None,
    earned: bool = True,
    is_new: bool = False,
) -> Posting:
    """An accrual of ``points`` (≥ 0) opening a lot that expires by the program's validity
    from ``occurred_at``. ``earned`` counts it toward tiers (an admin's correction does not)."""
    seq = member.version + 1
    expires_on = terms.program.expires_on(occurred_at) or NEVER
    lot_id = f"{seq:010d}"
    month = _month(occurred_at)
    earned_by_month = dict(member.earned_by_month)
    if earned and points:
        earned_by_month[month] = earned_by_month.get(month, 0) + points
    spend_by_month = dict(member.spend_by_month)
    if spend is not None:
        spend_by_month[month] = spend_by_month.get(month, Decimal(0)) + spend
    current_caps = {k: v for k, v in member.caps.items() if k.split("@")[1][:4] >= str(now.year - 1)}
    after = member.model_copy(
        update={
            "points_balance": member.points_balance + points,
            "lifetime_points": member.lifetime_points + (points if earned else 0),
            "earned_by_month": pruned(earned_by_month, now),
            "spend_by_month": pruned(spend_by_month, now),
            "caps": {**current_caps, **(caps or {})},
            "version": seq,
        }
    )
    after = retier(after, terms.tiers, now)
    lot = Lot(
        lot_id=lot_id, expires_on=expires_on, points=points, remaining=points, earned_at=occurred_at, order_id=order_id
    )
    entry = LedgerEntry(
        entry_id=cause_id,
        seq=seq,
        kind=EntryKind.ACCRUAL if earned else EntryKind.ADJUSTMENT,
        points=points,
        reason=reason,
        balance_after=after.points_balance,
        occurred_at=occurred_at,
        recorded_at=now,
        lot_id=lot_id if points else None,
        expires_on=expires_on if points and expires_on != NEVER else None,
        order_id=order_id,
    )
    accrued = PointsAccrued(
        contact_id=member.contact_id,
        points=points,
        reason=reason,
        balance=after.points_balance,
        entry_id=cause_id,
        expires_on=entry.expires_on,
    )
    events = events_of(cause, accrued) if earned else []
    return Posting(
        before=None if is_new else member,
        after=after,
        cause_id=cause_id,
        entry=entry,
        opened=[lot] if points else [],
        events=events + tier_moved(member, after, cause),
    )


def take(lots: list[Lot], points: int) -> list[tuple[Lot, int]]:
    """``points`` taken from ``lots`` (soonest expiry first, as read)."""
    taken: list[tuple[Lot, int]] = []
    left = points
    for lot in sorted(lots, key=lambda lot: (lot.expires_on, lot.lot_id)):
        if left <= 0:
            break
        part = min(lot.remaining, left)
        if part > 0:
            taken.append((lot, part))
            left -= part
    if left > 0:
        raise Insufficient(f"the balance covers {points - left} of {points} points")
    return taken


def debit(
    member: Member,
    taken: list[tuple[Lot, int]],
    *,
    kind: EntryKind,
    reason: str,
    cause_id: str,
    occurred_at: datetime,
    now: datetime,
    by: str | None = None,
    order_id: str | None = None,
    unearned: dict[str, int] | None = None,
    unspent: dict[str, Decimal] | None = None,
) -> Posting:
    """A debit of the points ``taken`` from lots. ``unearned`` takes points back from the
    months they were earned in, ``unspent`` money from the months it was spent in (a
    reversal: a refunded order no longer counts to a tier)."""
    points = sum(part for _, part in taken)
    if points > member.points_balance:
        raise Insufficient(f"the balance is {member.points_balance}, {points} needed")
    seq = member.version + 1
    earned_by_month = dict(member.earned_by_month)
    lifetime = member.lifetime_points
    for month, value in (unearned or {}).items():
        earned_by_month[month] = earned_by_month.get(month, 0) - value
        lifetime -= value
    spend_by_month = dict(member.spend_by_month)
    for month, money in (unspent or {}).items():
        spend_by_month[month] = spend_by_month.get(month, Decimal(0)) - money
    after = member.model_copy(
        update={
            "points_balance": member.points_balance - points,
            "lifetime_points": lifetime,
            "earned_by_month": earned_by_month,
            "spend_by_month": spend_by_month,
            "version": seq,
        }
    )
    entry = LedgerEntry(
        entry_id=cause_id,
        seq=seq,
        kind=kind,
        points=-points,
        reason=reason,
        balance_after=after.points_balance,
        occurred_at=occurred_at,
        recorded_at=now,
        lots=[LotUse(lot_id=lot.lot_id, expires_on=lot.expires_on, points=part) for lot, part in taken],
        order_id=order_id,
        by=by,
    )
    return Posting(before=member, after=after, cause_id=cause_id, entry=entry, taken=taken)
