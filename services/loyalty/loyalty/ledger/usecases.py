"""What the ledger does with a member's points, independent of HTTP and DynamoDB (tested
with fakes).

Exactly once per cause: each posting writes its cause with ``attribute_not_exists`` in the
transaction that moves the balance, so a redelivered event, a retried request or a twin
delivery changes nothing, however late. Concurrent changes of one member meet at its
version: the loser re-reads and tries again, so a debit is checked against the balance it
really takes from and a balance never goes negative.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from loyalty.earning.models import EarningEvent
from loyalty.earning.points import Line, Terms, event_points, purchase_points, retier
from loyalty.events import LotsExpiryDue, PointsAdjusted, PointsExpired, PointsRedeemed, PointsReversed, TierReviewDue
from loyalty.ledger.models import NEVER, EntryKind, LedgerEntry, LedgerPage, Lot, Posting
from loyalty.ledger.postings import Insufficient, credit, debit, events_of, take, tier_moved
from loyalty.ledger.repository import MAX_LOTS_PER_POSTING, Duplicate, Stale
from loyalty.members.models import Member
from shared.errors import Unprocessable
from shared.events import EventMetadata, Outgoing
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found
from shared.schedules import schedule_name

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


class Purchase(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    lines: list[Line] = []
    occurred_at: datetime


class Refund(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal


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


def get_member(contact_id: str, repo: Ledger) -> Member:
    member = repo.member(contact_id)
    if member is None:
        raise not_found("member", contact_id)
    return member


def _schedule(kind: str, contact_id: str, day: date) -> str:
    try:
        return schedule_name("loyalty", kind, contact_id, day.strftime("%Y%m%d"))
    except ValueError:  # a long contact id: its digest keeps the name unique and short
        import hashlib

        digest = hashlib.sha256(contact_id.encode()).hexdigest()[:24]
        return schedule_name("loyalty", kind, digest, day.strftime("%Y%m%d"))


def after_posting(posting: Posting | None, deadlines: Deadlines) -> None:
    """The schedules a posting needs: its new lots' expiry, its tier's review. Idempotent
    (named by member and day), so a retried event plans nothing twice."""
    if posting is None:
        return
    contact_id = posting.after.contact_id
    for expires_on in {lot.expires_on for lot in posting.opened if lot.expires_on != NEVER}:
        when = datetime.combine(expires_on + timedelta(days=1), day_time(), UTC)
        due = LotsExpiryDue(contact_id=contact_id, expires_on=expires_on)
        deadlines.schedule_event(_schedule("expiry", contact_id, expires_on), when, events_of(None, due)[0])
    review_on = posting.after.tier_review_on
    if review_on is not None and (posting.before is None or posting.before.tier_review_on != review_on):
        review = TierReviewDue(contact_id=contact_id, review_on=review_on)
        when = datetime.combine(review_on, day_time(), UTC)
        deadlines.schedule_event(_schedule("review", contact_id, review_on), when, events_of(None, review)[0])


def order_cause(order_id: str) -> str:
    return f"order:{order_id}"


# --- credits -----------------------------------------------------------------------------


def accrue_purchase(books: Books, purchase: Purchase, cause: EventMetadata) -> Posting | None:
    """PurchaseRecorded: the order's points, once per order (cause ``order:<id>``), at the
    member's tier multiplier; the cause keeps the order's lot for a refund. A purchase in
    another currency than the program's earns nothing (no exchange rate is kept here): its
    entry says so. A contact not yet a member is enrolled by it (without sign-up points)."""
    terms = books.terms

    def build() -> Posting:
        now = books.clock()
        member = resolve(purchase.contact_id, books.repo)
        fresh = member is None
        if member is None:
            member = Member(contact_id=purchase.contact_id, tier=terms.tiers.lowest.id, enrolled_at=now)
        same_currency = purchase.currency == terms.program.currency
        if same_currency:
            points, caps = purchase_points(terms, member, purchase.amount, purchase.lines, purchase.occurred_at)
            reason = "purchase"
        else:
            points, caps = 0, {}
            reason = f"purchase in {purchase.currency}, not {terms.program.currency}: no points"
        posting = credit(
            member,
            points,
            reason=reason,
            cause_id=order_cause(purchase.order_id),
            occurred_at=purchase.occurred_at,
            now=now,
            terms=terms,
            cause=cause,
            caps=caps,
            order_id=purchase.order_id,
            spend=purchase.amount if same_currency else None,
            is_new=fresh,
        )
        lot = posting.opened[0] if posting.opened else None
        posting.cause = {
            "order_id": purchase.order_id,
            "amount": str(purchase.amount),
            "points": points,
            "lot_id": lot.lot_id if lot else None,
            "expires_on": lot.expires_on.isoformat() if lot else None,
            "month": purchase.occurred_at.strftime("%Y-%m"),
            "reversed": 0,
            "refunded": "0",
        }
        return posting

    posting = write(build, books.repo)
    after_posting(posting, books.deadlines)
    return posting


def earn(
    books: Books,
    contact_id: str,
    event: EarningEvent,
    *,
    cause_id: str,
    occurred_at: datetime,
    cause: EventMetadata | None = None,
    referred: bool = False,
    reason: str | None = None,
) -> Posting | None:
    """The points of ``event``'s rules (a survey answered, a birthday, a campaign bonus, a
    referral), once per cause; nothing when no rule gives any (or their caps are reached)."""

    def build() -> Posting | None:
        member = resolve(contact_id, books.repo)
        if member is None:
            raise not_found("member", contact_id)
        points, caps = event_points(books.terms, member, event, occurred_at, referred=referred)
        if points <= 0:
            return None
        return credit(
            member,
            points,
            reason=reason or event.value,
            cause_id=cause_id,
            occurred_at=occurred_at,
            now=books.clock(),
            terms=books.terms,
            cause=cause,
            caps=caps,
        )

    posting = write(build, books.repo)
    after_posting(posting, books.deadlines)
    return posting


# --- debits ------------------------------------------------------------------------------


def _lots_for(member: Member, points: int, repo: Ledger) -> list[Lot]:
    lots = repo.lots(member.contact_id, limit=MAX_LOTS_PER_POSTING)
    held = sum(lot.remaining for lot in lots)
    if held < points <= member.points_balance:
        raise Unprocessable(
            "these points lie in too many small lots for one transaction: spend fewer at a time",
            errors=[{"field": "points", "message": f"at most {held} at once"}],
        )
    return lots


Extras = Callable[[Member], tuple[list[Any], list[Outgoing]]]


def spend(
    books: Books,
    contact_id: str,
    points: int,
    *,
    reason: str,
    cause_id: str,
    reward_id: str | None = None,
    extras: Extras | None = None,
) -> Posting | None:
    """A redemption of ``points``, soonest-expiring lots first, with what another feature
    writes in the same transaction (``extras``: a reward's stock, its coupon). Insufficient
    (409) when the balance does not cover it; None when this cause was spent already."""

    def build() -> Posting:
        member = get_member(contact_id, books.repo)
        if member.points_balance < points:
            raise Insufficient(f"insufficient points: the balance is {member.points_balance}, {points} needed")
        now = books.clock()
        taken = take(_lots_for(member, points, books.repo), points)
        posting = debit(
            member, taken, kind=EntryKind.REDEMPTION, reason=reason, cause_id=cause_id, occurred_at=now, now=now
        )
        redeemed = PointsRedeemed(
            contact_id=contact_id,
            points=points,
            reason=reason,
            balance=posting.after.points_balance,
            entry_id=cause_id,
            reward_id=reward_id,
        )
        posting.events = events_of(None, redeemed)
        if extras is not None:
            items, events = extras(member)
            posting.extras, posting.events = items, posting.events + events
        return posting

    return write(build, books.repo)


def adjust(books: Books, contact_id: str, points: int, *, reason: str, by: str, cause_id: str) -> Posting | None:
    """An admin's correction: a credit opens a lot (not counted toward tiers), a debit
    takes from lots like a spend (409 when the balance does not cover it)."""

    def build() -> Posting:
        member = get_member(contact_id, books.repo)
        now = books.clock()
        if points >= 0:
            posting = credit(
                member,
                points,
                reason=reason,
                cause_id=cause_id,
                occurred_at=now,
                now=now,
                terms=books.terms,
                earned=False,
            )
        else:
            if member.points_balance < -points:
                raise Insufficient(f"insufficient points: the balance is {member.points_balance}")
            taken = take(_lots_for(member, -points, books.repo), -points)
            posting = debit(
                member, taken, kind=EntryKind.ADJUSTMENT, reason=reason, cause_id=cause_id, occurred_at=now, now=now
            )
        if posting.entry is not None:
            posting.entry = posting.entry.model_copy(update={"by": by})
        adjusted = PointsAdjusted(
            contact_id=contact_id,
            points=points,
            reason=reason,
            balance=posting.after.points_balance,
            entry_id=cause_id,
            by=by,
        )
        posting.events = events_of(None, adjusted)
        return posting

    posting = write(build, books.repo)
    after_posting(posting, books.deadlines)
    return posting


def expire_lots(books: Books, contact_id: str, expires_on: date) -> list[Posting]:
    """LotsExpiryDue: each lot of the member that expired by ``expires_on`` (and whose last
    day has passed) loses what is left of it, one entry per lot (cause ``expiry:<lot>``).
    What was spent from a lot left it already, so it is never expired twice."""
    repo, done = books.repo, []
    until = min(expires_on, books.clock().date() - timedelta(days=1))
    for lot in repo.lots(contact_id, until=until):

        def build(lot_id: str = lot.lot_id, lot_expires: date = lot.expires_on) -> Posting | None:
            member = repo.member(contact_id)
            current = repo.lot(contact_id, lot_expires, lot_id)
            if member is None or current is None or current.remaining <= 0:
                return None
            now = books.clock()
            posting = debit(
                member,
                [(current, current.remaining)],
                kind=EntryKind.EXPIRY,
                reason=f"expired on {lot_expires.isoformat()}",
                cause_id=f"expiry:{lot_id}",
                occurred_at=now,
                now=now,
            )
            expired = PointsExpired(
                contact_id=contact_id,
                points=current.remaining,
                balance=posting.after.points_balance,
                entry_id=posting.cause_id,
                lot_id=lot_id,
                expired_on=lot_expires,
            )
            posting.events = events_of(None, expired)
            return posting

        posting = write(build, repo)
        if posting is not None:
            done.append(posting)
    return done


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
        order = repo.cause(member.contact_id, order_cause(refund.order_id)) if member else None
        if member is None or order is None or not order.get("points"):
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
            unspent=refund.amount,
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
            take(_lots_for(member, points, repo), points),
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


def review_tier(books: Books, contact_id: str, review_on: date) -> Posting | None:
    """TierReviewDue: down to what the rolling record reaches, if the review day is still
    this one (a later upgrade moved it: then this fire says nothing)."""

    def build() -> Posting | None:
        member = books.repo.member(contact_id)
        now = books.clock()
        if member is None or member.tier_review_on != review_on or now.date() < review_on:
            return None
        after = retier(member.model_copy(update={"version": member.version + 1}), books.terms.tiers, now, review=True)
        cause_id = f"review:{review_on.isoformat()}"
        return Posting(before=member, after=after, cause_id=cause_id, events=tier_moved(member, after, None))

    posting = write(build, books.repo)
    after_posting(posting, books.deadlines)
    return posting


def ledger_page(contact_id: str, repo: Ledger, limit: int, cursor: str | None) -> LedgerPage:
    get_member(contact_id, repo)
    of = f"loyalty/ledger/{contact_id}"  # a cursor is good for this member's ledger only
    entries, last = repo.ledger(contact_id, limit, decode_cursor(cursor, of=of))
    return LedgerPage(items=entries, next_cursor=encode_cursor(last, of=of))
