"""What the referrals feature does (tested with fakes). Anti-fraud by design: a sign-up
alone earns nothing; both sides are credited once, only after the referred member's first
purchase stayed unrefunded through the program's window; no self-referral; a member is
referred at most once; the referral rule's caps limit what a referrer earns per period."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from loyalty.earning.models import EarningEvent
from loyalty.events import ReferralCompleted, ReferralWindowClosed
from loyalty.ledger.models import Posting
from loyalty.ledger.ports import Books, get_member
from loyalty.ledger.postings import events_of
from loyalty.ledger.usecases import earn, order_cause, schedule_for
from loyalty.referrals.models import Referral, ReferralCode, ReferralState
from shared.errors import Unprocessable
from shared.events import EventMetadata, Outgoing
from shared.observability import logger

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: read aloud without doubt
CODE_LENGTH = 8  # 32^8 ≈ 10^12: not guessable by trying sign-ups
CODE_ATTEMPTS = 5


class Referrals(Protocol):
    def code_of(self, contact_id: str) -> str | None: ...
    def owner_of(self, code: str) -> str | None: ...
    def create_code(self, contact_id: str, code: str) -> bool: ...
    def link(self, referral: Referral) -> bool: ...
    def referral(self, referred_id: str) -> Referral | None: ...
    def move(
        self, referred_id: str, before: ReferralState, after: ReferralState, order_id: str | None = None
    ) -> bool: ...
    def complete(self, referred_id: str, order_id: str, events: list[Outgoing]) -> bool: ...


def new_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LENGTH))


def referral_code(books: Books, repo: Referrals, contact_id: str) -> ReferralCode:
    """The member's code, made on first ask (404 for no member); the same one after."""
    get_member(contact_id, books.repo)
    for _ in range(CODE_ATTEMPTS):
        code = repo.code_of(contact_id)
        if code is not None:
            return ReferralCode(code=code, contact_id=contact_id)
        repo.create_code(contact_id, new_code())  # False: made concurrently, or a code taken
    raise RuntimeError("no referral code after several attempts")


def referrer_of(repo: Referrals, code: str) -> str:
    """The code's member, or 422 naming the field (POST /members)."""
    owner = repo.owner_of(code.strip().upper())
    if owner is None:
        raise Unprocessable("unknown referral code", errors=[{"field": "referral_code", "message": "unknown code"}])
    return owner


def link(repo: Referrals, referred_id: str, code: str, now: datetime) -> bool:
    """Who referred the member, once ever; an unknown code or the member's own: no link."""
    code = code.strip().upper()
    referrer_id = repo.owner_of(code)
    if referrer_id is None or referrer_id == referred_id:
        # Why no ids: the log would tie a person to a code; the reason is what ops needs.
        logger.warning("referral not linked", extra={"reason": "unknown code" if referrer_id is None else "self"})
        return False
    referral = Referral(
        referred_id=referred_id, referrer_id=referrer_id, code=code, state=ReferralState.LINKED, linked_at=now
    )
    return repo.link(referral)


def first_purchase(books: Books, repo: Referrals, referred_id: str, order_id: str, occurred_at: datetime) -> bool:
    """A linked member's first purchase opens the window; its close is scheduled. Only the
    first: later orders find the state moved. The schedule is named by order, so a retry
    after a crash between the two steps plans it again harmlessly."""
    referral = repo.referral(referred_id)
    if referral is None:
        return False
    if referral.state is ReferralState.LINKED:
        repo.move(referred_id, ReferralState.LINKED, ReferralState.PURCHASED, order_id)
        referral = repo.referral(referred_id)  # moved by us or by a twin delivery
    if referral is None or referral.state is not ReferralState.PURCHASED or referral.order_id != order_id:
        return False
    when = occurred_at + timedelta(days=books.terms.program.referral_window_days)
    due = ReferralWindowClosed(referred_id=referred_id, order_id=order_id)
    name = schedule_for("referral", referred_id, occurred_at.date())
    books.deadlines.schedule_event(name, when, events_of(None, due)[0])
    return True


def _points(books: Books, contact_id: str, cause_id: str, posting: Posting | None) -> int:
    """What this cause credited: now, or by an earlier try (its entry)."""
    if posting is not None and posting.entry is not None:
        return posting.entry.points
    cause = books.repo.cause(contact_id, cause_id)
    return books.repo.entry(contact_id, int(cause["seq"])).points if cause and "seq" in cause else 0


def window_closed(
    books: Books, repo: Referrals, referred_id: str, order_id: str, cause: EventMetadata | None = None
) -> bool:
    """The first purchase's window closed: refunded (any amount) → void, for good (a
    refund-then-buy-again loop is how referrals are farmed, so no second chance); else
    both credited once (each on its own cause), then completed with ReferralCompleted."""
    referral = repo.referral(referred_id)
    if referral is None or referral.state is not ReferralState.PURCHASED or referral.order_id != order_id:
        return False
    order = books.repo.cause(referred_id, order_cause(order_id))
    refunded = order is not None and Decimal(str(order.get("refunded", "0"))) > 0
    if refunded or order is None:  # no order on the ledger: nothing real was bought
        repo.move(referred_id, ReferralState.PURCHASED, ReferralState.VOID)
        return False
    at, base = books.clock(), f"referral:{referred_id}"
    referrer_cause, referred_cause = f"{base}:referrer", f"{base}:referred"
    by_referrer = earn(books, referral.referrer_id, EarningEvent.REFERRAL, cause_id=referrer_cause, occurred_at=at)
    by_referred = earn(
        books, referred_id, EarningEvent.REFERRAL, cause_id=referred_cause, occurred_at=at, referred=True
    )
    done = ReferralCompleted(
        referrer_id=referral.referrer_id,
        referred_id=referred_id,
        referrer_points=_points(books, referral.referrer_id, referrer_cause, by_referrer),
        referred_points=_points(books, referred_id, referred_cause, by_referred),
    )
    return repo.complete(referred_id, order_id, events_of(cause, done))
