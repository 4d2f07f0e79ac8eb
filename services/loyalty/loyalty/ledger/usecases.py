"""What the ledger does with a member's points, independent of HTTP and DynamoDB (tested
with fakes).

Exactly once per cause: each posting writes its cause with ``attribute_not_exists`` in the
transaction that moves the balance, so a redelivered event, a retried request or a twin
delivery changes nothing, however late. Concurrent changes of one member meet at its
version: the loser re-reads and tries again, so a debit is checked against the balance it
really takes from and a balance never goes negative.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from loyalty.earning.models import EarningEvent
from loyalty.earning.points import Line, event_points, purchase_points, retier
from loyalty.events import LotsExpiryDue, PointsAdjusted, PointsExpired, PointsRedeemed, TierReviewDue
from loyalty.ledger.models import NEVER, EntryKind, LedgerPage, Posting
from loyalty.ledger.ports import (
    Books,
    Deadlines,
    Ledger,
    get_member,
    home_member,
    lots_for,
    posted_before_merge,
    resolve,
    write,
)
from loyalty.ledger.postings import Insufficient, credit, debit, events_of, take, tier_moved
from loyalty.members.models import Member
from shared.events import EventMetadata, Outgoing
from shared.pagination import decode_cursor, encode_cursor
from shared.schedules import schedule_name


class Purchase(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    lines: list[Line] = []
    occurred_at: datetime


def schedule_for(kind: str, contact_id: str, day: date) -> str:
    """The name of a member's one-time schedule of ``kind`` for ``day`` (one per member and day)."""
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
        deadlines.schedule_event(schedule_for("expiry", contact_id, expires_on), when, events_of(None, due)[0])
    review_on = posting.after.tier_review_on
    if review_on is not None and (posting.before is None or posting.before.tier_review_on != review_on):
        review = TierReviewDue(contact_id=contact_id, review_on=review_on)
        when = datetime.combine(review_on, day_time(), UTC)
        deadlines.schedule_event(schedule_for("review", contact_id, review_on), when, events_of(None, review)[0])


def order_cause(order_id: str) -> str:
    return f"order:{order_id}"


def order_of(repo: Ledger, member: Member, contact_id: str, order_id: str) -> dict[str, Any] | None:
    """What an order earned: on the member its points live on, or (an order of a contact
    merged away whose lot had gone, so the merge left it there) on the contact it named."""
    found = repo.cause(member.contact_id, order_cause(order_id))
    if found is None and contact_id != member.contact_id:
        found = repo.cause(contact_id, order_cause(order_id))
    return found


# --- credits -----------------------------------------------------------------------------


def accrue_purchase(books: Books, purchase: Purchase, cause: EventMetadata) -> Posting | None:
    """PurchaseRecorded: the order's points, once per order (cause ``order:<id>``), at the
    member's tier multiplier; the cause keeps the order's lot for a refund. A purchase in
    another currency than the program's earns nothing (no exchange rate is kept here): its
    entry says so. A contact not yet a member is enrolled by it (without sign-up points)."""
    terms = books.terms

    def build() -> Posting | None:
        now = books.clock()
        member = resolve(purchase.contact_id, books.repo)
        fresh = member is None
        if member is None:
            member = Member(contact_id=purchase.contact_id, tier=terms.tiers.lowest.id, enrolled_at=now)
        elif member.contact_id != purchase.contact_id and order_of(
            books.repo, member, purchase.contact_id, purchase.order_id
        ):
            return None  # accrued on the contact before it was merged away
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
        member = home_member(contact_id, books.repo)
        if posted_before_merge(contact_id, member, cause_id, books.repo):
            return None
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


Extras = Callable[[Member], tuple[list[Any], list[Outgoing]]]


def _uncovered(books: Books, member: Member, points: int, cause_id: str) -> bool:
    """False when the balance covers a debit of ``points``; True when it does not but this
    debit was made already, while it did (a late retry: nothing to do); else Insufficient."""
    if member.points_balance >= points:
        return False
    if books.repo.cause(member.contact_id, cause_id) is not None:
        return True
    raise Insufficient(f"insufficient points: the balance is {member.points_balance}, {points} needed")


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

    def build() -> Posting | None:
        member = home_member(contact_id, books.repo)
        if posted_before_merge(contact_id, member, cause_id, books.repo) or _uncovered(books, member, points, cause_id):
            return None
        now = books.clock()
        taken = take(lots_for(member, points, books.repo), points)
        posting = debit(
            member, taken, kind=EntryKind.REDEMPTION, reason=reason, cause_id=cause_id, occurred_at=now, now=now
        )
        redeemed = PointsRedeemed(
            contact_id=member.contact_id,
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

    def build() -> Posting | None:
        member = home_member(contact_id, books.repo)
        if posted_before_merge(contact_id, member, cause_id, books.repo):
            return None
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
            if _uncovered(books, member, -points, cause_id):
                return None
            taken = take(lots_for(member, -points, books.repo), -points)
            posting = debit(
                member, taken, kind=EntryKind.ADJUSTMENT, reason=reason, cause_id=cause_id, occurred_at=now, now=now
            )
        if posting.entry is not None:
            posting.entry = posting.entry.model_copy(update={"by": by})
        adjusted = PointsAdjusted(
            contact_id=member.contact_id,
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
