"""What the loyalty service does, independent of HTTP and DynamoDB (tested with fakes).

Exactly once per cause: a ledger entry is keyed by the id of the event that caused it and
written only if absent, in the same transaction as the balance and the events. A
redelivered event therefore changes nothing, even past the consumer's idempotency window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from loyalty.events import MemberEnrolled, PointsAccrued, TierChanged
from loyalty.models import LedgerEntry, LedgerPage, Member, Tier, tier_for
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing, follow_up
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import OwnerBook, not_found

SIGNUP_POINTS = 200
SIGNUP = "signup"
MAX_ATTEMPTS = 8


class Contended(Exception):
    """The member kept changing under us: the event is retried later (SQS redelivery)."""


class Loyalty(Protocol):
    def get_member(self, contact_id: str) -> Member | None: ...
    def has_entry(self, contact_id: str, entry: LedgerEntry) -> bool: ...
    def enrol(self, member: Member, entry: LedgerEntry, events: list[Outgoing]) -> None: ...
    def credit(self, member: Member, entry: LedgerEntry, events: list[Outgoing]) -> None: ...
    def ledger(
        self, contact_id: str, limit: int, start: dict[str, object] | None
    ) -> tuple[list[LedgerEntry], dict[str, object] | None]: ...


Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _accrue(
    member: Member, points: int, reason: str, cause: EventMetadata
) -> tuple[Member, LedgerEntry, list[Outgoing]]:
    """The member after a credit, its ledger entry, and the events that describe it."""
    balance = member.points_balance + points
    lifetime = member.lifetime_points + max(points, 0)
    tier = tier_for(lifetime)
    entry = LedgerEntry(
        entry_id=cause.event_id, points=points, reason=reason, balance_after=balance, occurred_at=cause.occurred_at
    )
    accrued = PointsAccrued(
        contact_id=member.contact_id, points=points, reason=reason, balance=balance, entry_id=entry.entry_id
    )
    events = [follow_up(accrued, cause)]
    if tier != member.tier:
        changed = TierChanged(
            contact_id=member.contact_id, previous_tier=member.tier, tier=tier, lifetime_points=lifetime
        )
        events.append(follow_up(changed, cause))
    updated = member.model_copy(update={"points_balance": balance, "lifetime_points": lifetime, "tier": tier})
    return updated, entry, events


def enrol_lead(contact_id: str, cause: EventMetadata, repo: Loyalty, clock: Clock = _now) -> Member:
    """LeadCreated: enrol the contact (bronze, 0 points) and credit the sign-up points, at once."""
    existing = repo.get_member(contact_id)
    if existing is not None:
        return existing  # a redelivery, or already a member: sign-up points are once per member
    fresh = Member(contact_id=contact_id, tier=Tier.BRONZE, enrolled_at=clock())
    enrolled = follow_up(MemberEnrolled(contact_id=contact_id, tier=fresh.tier), cause)
    member, entry, events = _accrue(fresh, SIGNUP_POINTS, SIGNUP, cause)
    try:
        repo.enrol(member, entry, [enrolled, *events])
    except Conflict:
        # A concurrent delivery enrolled the member first: its result stands.
        winner = repo.get_member(contact_id)
        if winner is None:
            raise
        return winner
    return member


def accrue_points(contact_id: str, points: int, reason: str, cause: EventMetadata, repo: Loyalty) -> Member:
    """Credit points for a cause (a purchase, a referral...) once, moving the tier if needed."""
    for _ in range(MAX_ATTEMPTS):
        member = repo.get_member(contact_id)
        if member is None:
            raise NotFound(f"member {contact_id} not found")
        updated, entry, events = _accrue(member, points, reason, cause)
        if repo.has_entry(contact_id, entry):
            return member  # this cause was credited already
        try:
            repo.credit(updated, entry, events)
        except Conflict:
            continue  # the balance moved, or a twin delivery won: re-read
        return updated
    raise Contended(f"could not credit member {contact_id}")


def get_member(contact_id: str, repo: Loyalty) -> Member:
    member = repo.get_member(contact_id)
    if member is None:
        raise not_found("member", contact_id)
    return member


def ledger(contact_id: str, repo: Loyalty, limit: int, cursor: str | None) -> LedgerPage:
    get_member(contact_id, repo)
    of = f"loyalty/ledger/{contact_id}"  # a cursor is good for this member's ledger only
    entries, last = repo.ledger(contact_id, limit, decode_cursor(cursor, of=of))
    return LedgerPage(items=entries, next_cursor=encode_cursor(last, of=of))


def forget_member(contact_id: str, owners: OwnerBook) -> None:
    """ContactErased: loyalty holds no personal data of the member (ids, points, tiers and
    reasons), so the profile and the ledger stay for accounting: keyed by a contact id that,
    once contacts has erased its profile, names nobody. The owner goes. Idempotent."""
    owners.forget(contact_id)
