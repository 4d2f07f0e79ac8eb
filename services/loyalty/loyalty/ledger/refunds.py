"""A refund takes back exactly that order's points (ledger/usecases.py's accrual kept
its lot and points on the order's cause)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from loyalty.events import PointsAdjusted, PointsReversed
from loyalty.ledger.models import EntryKind, Posting
from loyalty.ledger.ports import Books, get_member, lots_for, posted_before_merge, resolve, write
from loyalty.ledger.postings import debit, events_of, take
from loyalty.ledger.usecases import order_cause, order_of
from shared.events import EventMetadata


class Refund(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal


def reverse_purchase(books: Books, refund: Refund, cause: EventMetadata) -> list[Posting]:
    """PurchaseRefunded: the refunded share of exactly that order's points comes back from
    its own lot (the unspent part). What of it was spent already is taken from the balance
    as a negative adjustment only if the program claws back; otherwise the reversal records
    it as ``unrecovered``. Partial refunds never reverse more than the order earned. A
    refund of an order that earned nothing here changes nothing."""
    repo, terms = books.repo, books.terms
    unrecovered, member_id = 0, refund.contact_id

    def build() -> Posting | None:
        nonlocal unrecovered, member_id
        member = resolve(refund.contact_id, repo)
        order = order_of(repo, member, refund.contact_id, refund.order_id) if member else None
        if member is None or order is None or not order.get("points"):
            return None
        if posted_before_merge(refund.contact_id, member, cause.event_id, repo):
            return None
        member_id = member.contact_id
        refunded = Decimal(order["refunded"]) + refund.amount
        order_amount = Decimal(order["amount"])
        share = min(refunded / order_amount, Decimal(1)) if order_amount else Decimal(1)
        points = max(terms.program.rounded(Decimal(order["points"]) * share) - int(order["reversed"]), 0)
        lot = None
        if order.get("lot_id"):
            lot = repo.lot(member.contact_id, date.fromisoformat(order["expires_on"]), order["lot_id"])
        from_lot = min(points, lot.remaining if lot else 0)
        unrecovered = points - from_lot
        now = books.clock()
        posting = debit(
            member,
            [(lot, from_lot)] if lot is not None and from_lot else [],
            kind=EntryKind.REVERSAL,
            reason=f"refund of order {refund.order_id}",
            cause_id=cause.event_id,
            occurred_at=cause.occurred_at,
            now=now,
            order_id=refund.order_id,
            unearned={order["month"]: points},
            # What the order spent, in its own month, never more than the order was.
            unspent={order["month"]: max(min(refund.amount, order_amount - Decimal(order["refunded"])), Decimal(0))},
        )
        amended = {**order, "reversed": int(order["reversed"]) + points, "refunded": str(refunded)}
        posting.amended = [(order_cause(refund.order_id), amended)]
        reversed_ = PointsReversed(
            contact_id=member.contact_id,
            order_id=refund.order_id,
            points=from_lot,
            balance=posting.after.points_balance,
            entry_id=cause.event_id,
            unrecovered=unrecovered,
        )
        posting.events = events_of(cause, reversed_)
        return posting

    posting = write(build, repo)
    if posting is None:
        return []
    if not (unrecovered and terms.program.refund_claws_back_spent):
        return [posting]

    def claw_back() -> Posting | None:
        member = get_member(member_id, repo)
        points = min(unrecovered, member.points_balance)
        if points <= 0:
            return None
        now = books.clock()
        reason = f"refund of order {refund.order_id}: points already spent"
        claw = debit(
            member,
            take(lots_for(member, points, repo), points),
            kind=EntryKind.ADJUSTMENT,
            reason=reason,
            cause_id=f"{cause.event_id}:clawback",
            occurred_at=now,
            now=now,
            order_id=refund.order_id,
        )
        adjusted = PointsAdjusted(
            contact_id=member_id,
            points=-points,
            reason=reason,
            balance=claw.after.points_balance,
            entry_id=claw.cause_id,
        )
        claw.events = events_of(cause, adjusted)
        return claw

    clawed = write(claw_back, repo)
    return [posting] if clawed is None else [posting, clawed]
