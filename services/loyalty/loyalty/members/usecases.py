"""What the members feature does: enrolment, the member's view, merges and erasure
(tested with fakes; the points move through the ledger's postings)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from loyalty.earning.models import EarningEvent
from loyalty.earning.points import event_points, progress, retier
from loyalty.events import MemberEnrolled, PointsAdjusted
from loyalty.ledger.models import NEVER, EntryKind, LedgerEntry, Posting
from loyalty.ledger.ports import Books, Ledger, get_member, write
from loyalty.ledger.postings import credit, debit, events_of, tier_moved
from loyalty.ledger.usecases import after_posting, order_cause
from loyalty.members.models import Member, MemberView, NextExpiry
from shared.events import EventMetadata
from shared.reach import OwnerBook

MERGE_CHUNK = 20  # lots moved per transaction: 3 items each, well inside DynamoDB's 100


def enrol(
    books: Books,
    contact_id: str,
    *,
    cause_id: str,
    occurred_at: datetime,
    cause: EventMetadata | None = None,
    birthday: str | None = None,
    referred_by: str | None = None,
) -> tuple[Member, bool]:
    """Enrol the contact on the lowest tier with its sign-up points, once per member
    (a second enrolment, by any cause, returns the member as it is). True when enrolled now."""

    repo, terms = books.repo, books.terms

    def build() -> Posting | None:
        if repo.member(contact_id) is not None:
            return None
        now = books.clock()
        fresh = Member(contact_id=contact_id, tier=terms.tiers.lowest.id, enrolled_at=now, birthday=birthday)
        points, caps = event_points(terms, fresh, EarningEvent.SIGNUP, occurred_at)
        enrolled = MemberEnrolled(contact_id=contact_id, tier=fresh.tier, referred_by=referred_by)
        if points <= 0:
            after = fresh.model_copy(update={"version": 1})
            return Posting(before=None, after=after, cause_id=cause_id, events=events_of(cause, enrolled))
        posting = credit(
            fresh,
            points,
            reason="signup",
            cause_id=cause_id,
            occurred_at=occurred_at,
            now=now,
            terms=terms,
            cause=cause,
            caps=caps,
            is_new=True,
        )
        posting.events = events_of(cause, enrolled) + posting.events
        return posting

    posting = write(build, repo)
    after_posting(posting, books.deadlines)
    return get_member(contact_id, repo), posting is not None


def view(books: Books, contact_id: str) -> MemberView:
    repo = books.repo
    member = get_member(contact_id, repo)
    soonest = [lot for lot in repo.lots(contact_id, limit=10) if lot.expires_on != NEVER]
    next_expiry = None
    if soonest:
        day = soonest[0].expires_on
        next_expiry = NextExpiry(date=day, points=sum(lot.remaining for lot in soonest if lot.expires_on == day))
    return MemberView(
        contact_id=member.contact_id,
        points_balance=member.points_balance,
        pending_points=member.pending_points,
        lifetime_points=member.lifetime_points,
        tier=member.tier,
        tier_review_on=member.tier_review_on,
        progress=progress(member, books.terms.tiers, books.clock()),
        next_expiry=next_expiry,
        enrolled_at=member.enrolled_at,
        merged_into=member.merged_into,
    )


def _sum_months(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}


def _sum_money(a: dict[str, Decimal], b: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: a.get(k, Decimal(0)) + b.get(k, Decimal(0)) for k in a.keys() | b.keys()}


def merge(books: Books, winner_id: str, loser_id: str, cause: EventMetadata) -> None:
    """ContactsMerged: the loser's points, lots (with their expiry dates), orders and
    rolling record move to the winner; nothing is lost or doubled. First the record moves
    and the loser points at the winner (its later events land there), then its lots in
    chunks, each one transaction of both members (causes ``merge:…``), so a redelivery or
    a crash mid-way resumes where it stopped."""

    repo, terms = books.repo, books.terms

    def move_record() -> tuple[Posting, Posting] | None:
        loser = repo.member(loser_id)
        if loser is None or loser.merged_into is not None:
            return None
        now = books.clock()
        winner = repo.member(winner_id)
        fresh = winner is None
        base = winner or Member(contact_id=winner_id, tier=terms.tiers.lowest.id, enrolled_at=loser.enrolled_at)
        moved = base.model_copy(
            update={
                "lifetime_points": base.lifetime_points + loser.lifetime_points,
                "pending_points": base.pending_points + loser.pending_points,
                "earned_by_month": _sum_months(base.earned_by_month, loser.earned_by_month),
                "spend_by_month": _sum_money(base.spend_by_month, loser.spend_by_month),
                "enrolled_at": min(base.enrolled_at, loser.enrolled_at),
                "version": base.version + 1,
            }
        )
        moved = retier(moved, terms.tiers, now)
        gone = loser.model_copy(update={"merged_into": winner_id, "pending_points": 0, "version": loser.version + 1})
        into = Posting(
            before=None if fresh else base,
            after=moved,
            cause_id=f"merge:{loser_id}",
            events=tier_moved(base, moved, cause),
        )
        out = Posting(before=loser, after=gone, cause_id=f"merge-into:{winner_id}")
        return out, into

    write(move_record, repo)
    while _move_lots(books, winner_id, loser_id, cause):
        pass


def _move_lots(books: Books, winner_id: str, loser_id: str, cause: EventMetadata) -> bool:
    """One chunk of the loser's open lots to the winner; False when none is left."""
    repo, moved_any = books.repo, False

    def build() -> tuple[Posting, Posting] | None:
        nonlocal moved_any
        loser, winner = repo.member(loser_id), repo.member(winner_id)
        lots = repo.lots(loser_id, limit=MERGE_CHUNK)
        if loser is None or winner is None or not lots:
            moved_any = False
            return None
        now = books.clock()
        chunk = f"{lots[0].lot_id}"
        reason_out, reason_in = f"merged into {winner_id}", f"merged from {loser_id}"
        out = debit(
            loser,
            [(lot, lot.remaining) for lot in lots],
            kind=EntryKind.ADJUSTMENT,
            reason=reason_out,
            cause_id=f"merge-out:{chunk}",
            occurred_at=now,
            now=now,
        )
        points = -(out.entry.points if out.entry else 0)
        opened = [
            lot.model_copy(update={"lot_id": f"{loser_id}.{lot.lot_id}", "points": lot.remaining}) for lot in lots
        ]
        seq = winner.version + 1
        after = winner.model_copy(update={"points_balance": winner.points_balance + points, "version": seq})
        entry = LedgerEntry(
            entry_id=f"merge-in:{loser_id}:{chunk}",
            seq=seq,
            kind=EntryKind.ADJUSTMENT,
            points=points,
            reason=reason_in,
            balance_after=after.points_balance,
            occurred_at=now,
            recorded_at=now,
        )
        into = Posting(before=winner, after=after, cause_id=entry.entry_id, entry=entry, opened=opened)
        for lot, new in zip(lots, opened, strict=True):
            order = repo.cause(loser_id, order_cause(lot.order_id)) if lot.order_id else None
            if order is not None and lot.order_id:
                into.amended.append((order_cause(lot.order_id), {**order, "lot_id": new.lot_id, "seq": seq}))
        out.events = events_of(
            cause,
            PointsAdjusted(
                contact_id=loser_id,
                points=-points,
                reason=reason_out,
                balance=out.after.points_balance,
                entry_id=out.cause_id,
            ),
        )
        into.events = events_of(
            cause,
            PointsAdjusted(
                contact_id=winner_id,
                points=points,
                reason=reason_in,
                balance=after.points_balance,
                entry_id=into.cause_id,
            ),
        )
        moved_any = True
        return out, into

    # The moved lots expire on the winner now: plan its schedules for their days.
    after_posting(write(build, repo), books.deadlines)
    return moved_any


def forget_member(contact_id: str, repo: Ledger, owners: OwnerBook) -> None:
    """ContactErased: loyalty keeps no name, email or phone; the birthday and the owner go.
    The ledger stays for accounting, keyed by a contact id that, once contacts has erased
    its profile, names nobody. Idempotent."""
    repo.forget_birthday(contact_id)
    owners.forget(contact_id)
