"""Loyalty use-cases against an in-memory repository (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from loyalty.models import LedgerEntry, Member, Tier, tier_for
from loyalty.usecases import SIGNUP_POINTS, accrue_points, enrol_lead, get_member, ledger
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing


def _cause() -> EventMetadata:
    event_id = str(uuid.uuid4())
    return EventMetadata(event_id=event_id, event_version=1, occurred_at=datetime.now(UTC), correlation_id=event_id)


class FakeLoyalty:
    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.entries: dict[str, list[LedgerEntry]] = {}
        self.events: list[Outgoing] = []
        self.conflicts_to_raise = 0

    def get_member(self, contact_id: str) -> Member | None:
        return self.members.get(contact_id)

    def has_entry(self, contact_id: str, entry: LedgerEntry) -> bool:
        return any(e.entry_id == entry.entry_id for e in self.entries.get(contact_id, []))

    def enrol(self, member: Member, entry: LedgerEntry, events: list[Outgoing]) -> None:
        if member.contact_id in self.members:
            raise Conflict("exists")
        self.members[member.contact_id] = member.model_copy(update={"version": 1})
        self.entries[member.contact_id] = [entry]
        self.events += events

    def credit(self, member: Member, entry: LedgerEntry, events: list[Outgoing]) -> None:
        stored = self.members[member.contact_id]
        if self.conflicts_to_raise:
            # Someone else credited the member meanwhile.
            self.conflicts_to_raise -= 1
            self.members[member.contact_id] = stored.model_copy(update={"version": stored.version + 1})
            raise Conflict("version")
        if stored.version != member.version or self.has_entry(member.contact_id, entry):
            raise Conflict("stale")
        self.members[member.contact_id] = member.model_copy(update={"version": member.version + 1})
        self.entries[member.contact_id].append(entry)
        self.events += events

    def ledger(self, contact_id: str, limit: int, start: Any) -> tuple[list[LedgerEntry], None]:
        return self.entries.get(contact_id, [])[:limit], None


def _types(repo: FakeLoyalty) -> list[str]:
    return [e.detail_type for e in repo.events]


def test_a_lead_is_enrolled_with_signup_points() -> None:
    # Given a LeadCreated cause
    repo, cause = FakeLoyalty(), _cause()
    # When the lead is enrolled
    member = enrol_lead("c1", cause, repo)
    # Then it is a bronze member with the sign-up credit, keyed by the cause
    assert (member.points_balance, member.lifetime_points, member.tier) == (SIGNUP_POINTS, SIGNUP_POINTS, Tier.BRONZE)
    assert [e.entry_id for e in repo.entries["c1"]] == [cause.event_id]
    assert _types(repo) == ["MemberEnrolled", "PointsAccrued"]
    assert repo.events[1].detail["data"] == {
        "contact_id": "c1",
        "points": 200,
        "reason": "signup",
        "balance": 200,
        "entry_id": cause.event_id,
    }
    assert repo.events[1].detail["metadata"]["causation_id"] == cause.event_id


def test_enrolling_twice_credits_once() -> None:
    repo, cause = FakeLoyalty(), _cause()
    for _ in range(3):
        enrol_lead("c1", cause, repo)
    assert repo.members["c1"].points_balance == SIGNUP_POINTS
    assert len(repo.entries["c1"]) == 1
    assert _types(repo) == ["MemberEnrolled", "PointsAccrued"]


def test_tiers_follow_lifetime_points() -> None:
    # Given a member with the sign-up points
    repo = FakeLoyalty()
    enrol_lead("c1", _cause(), repo)
    # When enough points arrive for silver, then for gold
    silver = accrue_points("c1", 800, "purchase", _cause(), repo)
    gold = accrue_points("c1", 4000, "purchase", _cause(), repo)
    # Then each move is published once
    assert (silver.tier, gold.tier, gold.lifetime_points) == (Tier.SILVER, Tier.GOLD, 5000)
    changes = [e.detail["data"] for e in repo.events if e.detail_type == "TierChanged"]
    assert [(c["previous_tier"], c["tier"]) for c in changes] == [("bronze", "silver"), ("silver", "gold")]


def test_a_cause_is_credited_once() -> None:
    repo, cause = FakeLoyalty(), _cause()
    enrol_lead("c1", _cause(), repo)
    for _ in range(3):
        member = accrue_points("c1", 50, "referral", cause, repo)
    assert member.points_balance == SIGNUP_POINTS + 50
    assert len(repo.entries["c1"]) == 2


def test_a_concurrent_credit_is_retried_on_the_new_balance() -> None:
    repo = FakeLoyalty()
    enrol_lead("c1", _cause(), repo)
    repo.conflicts_to_raise = 2
    member = accrue_points("c1", 100, "purchase", _cause(), repo)
    assert member.points_balance == 300
    assert repo.entries["c1"][-1].balance_after == 300


def test_unknown_member_is_not_found() -> None:
    with pytest.raises(NotFound):
        get_member("nobody", FakeLoyalty())
    with pytest.raises(NotFound):
        accrue_points("nobody", 10, "purchase", _cause(), FakeLoyalty())


def test_a_members_ledger_lists_its_entries() -> None:
    # Given a member with the sign-up credit and a purchase
    repo = FakeLoyalty()
    enrol_lead("c1", _cause(), repo)
    accrue_points("c1", 300, "purchase", _cause(), repo)
    # When its ledger is read
    page = ledger("c1", repo, 10, None)
    # Then both entries are there with their running balance, and there is no next page
    assert [(e.reason, e.balance_after) for e in page.items] == [("signup", 200), ("purchase", 500)]
    assert page.next_cursor is None


def test_the_ledger_of_an_unknown_member_is_not_found() -> None:
    with pytest.raises(NotFound):
        ledger("nobody", FakeLoyalty(), 10, None)


@pytest.mark.parametrize(
    ("lifetime", "tier"),
    [(0, Tier.BRONZE), (999, Tier.BRONZE), (1000, Tier.SILVER), (4999, Tier.SILVER), (5000, Tier.GOLD)],
)
def test_tier_boundaries(lifetime: int, tier: Tier) -> None:
    assert tier_for(lifetime) == tier
