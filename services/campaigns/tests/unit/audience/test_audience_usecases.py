"""The audience's use cases against the fake store: ordering, merges, erasure, eligibility,
resolution and counts (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.audience.models import Channel, Recipient, SkipReason
from campaigns.audience.usecases import (
    count,
    eligibility,
    erase,
    merge,
    record_consent,
    record_membership,
    record_profile,
    resolve,
)
from services.campaigns.tests.unit.audience.fakes import FakeAudience
from shared.errors import Conflict

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def lead(repo: FakeAudience, contact_id: str, email: str | None = "ada@example.com", minutes: int = 0) -> None:
    values = {"email": email, "first_name": "Ada", "last_name": "Lovelace", "language": "zh", "phone": None}
    record_profile(repo, contact_id, values, at(minutes))


def consent(repo: FakeAudience, contact_id: str, granted: bool, minutes: int, channel: str = "email") -> bool:
    return record_consent(repo, contact_id, channel=channel, purpose="marketing", granted=granted, at=at(minutes))


def enter(repo: FakeAudience, segment_id: str, contact_id: str, minutes: int, member: bool = True) -> bool:
    return record_membership(repo, segment_id, contact_id, member=member, at=at(minutes))


# --- profile ---------------------------------------------------------------------------


def test_a_late_older_profile_change_does_not_override_a_newer_one() -> None:
    # Given a lead, then its email changed at minute 10
    repo = FakeAudience()
    lead(repo, "c1")
    record_profile(repo, "c1", {"email": "new@example.com"}, at(10))
    # When a change made at minute 5 arrives late, and the minute-10 one is redelivered
    assert record_profile(repo, "c1", {"email": "old@example.com", "company": "Acme"}, at(5))
    assert record_profile(repo, "c1", {"email": "new@example.com"}, at(10)) is False
    # Then the newer email stays; the late event's other field (never set since) is applied
    recipient = repo.recipient("c1")
    assert recipient is not None
    assert (recipient.email, recipient.company, recipient.first_name) == ("new@example.com", "Acme", "Ada")


def test_a_redelivered_lead_writes_nothing() -> None:
    repo = FakeAudience()
    lead(repo, "c1")
    commits = repo.commits
    lead(repo, "c1")
    assert repo.commits == commits


# --- consent ---------------------------------------------------------------------------


def test_the_newest_consent_decision_wins_whatever_the_order_of_arrival() -> None:
    # Given a grant at minute 1 and a withdrawal at minute 2, delivered newest first
    repo = FakeAudience()
    lead(repo, "c1")
    assert consent(repo, "c1", False, 2)
    # When the older grant arrives late
    assert not consent(repo, "c1", True, 1)
    # Then the withdrawal holds; SMS was never asked, so it is no consent either
    recipient = repo.recipient("c1")
    assert recipient is not None and recipient.consent == {"email:marketing": False}
    assert not recipient.consents(Channel.EMAIL) and not recipient.consents(Channel.SMS)


def test_a_write_beaten_by_a_concurrent_one_is_read_again_and_both_hold() -> None:
    # Given a recipient, and another writer granting SMS just before our write commits
    repo = FakeAudience()
    lead(repo, "c1")
    repo.before_commit = lambda: consent(repo, "c1", True, 3, channel="sms")
    # When email consent is granted
    assert consent(repo, "c1", True, 4)
    # Then both decisions are kept
    recipient = repo.recipient("c1")
    assert recipient is not None and recipient.consent == {"sms:marketing": True, "email:marketing": True}


# --- segments --------------------------------------------------------------------------


def test_a_late_entry_after_an_exit_does_not_bring_the_contact_back() -> None:
    # Given a contact that entered at minute 1 and exited at minute 5, the exit delivered first
    repo = FakeAudience()
    lead(repo, "c1")
    assert enter(repo, "s1", "c1", 5, member=False)
    # When the entry arrives late
    assert not enter(repo, "s1", "c1", 1)
    # Then the contact is not a member, and a later entry puts it back
    assert repo.members_of.get("s1", set()) == set()
    assert enter(repo, "s1", "c1", 9)
    recipient = repo.recipient("c1")
    assert repo.members_of["s1"] == {"c1"} and recipient is not None and recipient.segments == ["s1"]


def test_a_membership_before_the_lead_is_kept_and_the_lead_fills_the_profile() -> None:
    repo = FakeAudience()
    enter(repo, "s1", "c1", 0)
    lead(repo, "c1", minutes=1)
    recipient = repo.recipient("c1")
    assert recipient is not None and recipient.segments == ["s1"] and recipient.email == "ada@example.com"


# --- merge -----------------------------------------------------------------------------


def test_a_merge_folds_the_losers_memberships_and_newer_consent_into_the_winner() -> None:
    # Given a winner (in s1, email withdrawn at minute 5, SMS granted at 1) and a loser
    # (in s1 and s2, email granted at minute 2, SMS withdrawn at 3)
    repo = FakeAudience()
    lead(repo, "win", "win@example.com")
    lead(repo, "lose", "lose@example.com")
    enter(repo, "s1", "win", 1)
    enter(repo, "s1", "lose", 2)
    enter(repo, "s2", "lose", 2)
    consent(repo, "win", False, 5)
    consent(repo, "win", True, 1, channel="sms")
    consent(repo, "lose", True, 2)
    consent(repo, "lose", False, 3, channel="sms")
    # When they are merged (the event delivered twice)
    merge(repo, "win", "lose", at(10))
    merge(repo, "win", "lose", at(10))
    # Then the winner is in both segments with, per key, the newer decision; its profile stays
    winner = repo.recipient("win")
    assert winner is not None and winner.segments == ["s1", "s2"] and winner.email == "win@example.com"
    assert winner.consent == {"email:marketing": False, "sms:marketing": False}
    # ... and the loser is gone: no recipient, no membership
    assert repo.recipient("lose") is None
    assert repo.members_of == {"s1": {"win"}, "s2": {"win"}}


def test_a_merge_of_many_memberships_moves_them_in_steps_and_late_loser_events_go_nowhere_but_consent() -> None:
    # Given a loser in 100 segments
    repo = FakeAudience()
    for n in range(100):
        enter(repo, f"s{n:03d}", "lose", 1)
    # When merged into a contact campaigns never heard of
    merge(repo, "win", "lose", at(10))
    # Then the winner holds all 100 (in three transactions and a last one for the tombstone)
    winner = repo.recipient("win")
    assert winner is not None and len(winner.segments) == 100
    assert all(members == {"win"} for members in repo.members_of.values())
    # ... a late entry for the loser changes nothing, a late consent of theirs reaches the winner
    assert not enter(repo, "s-late", "lose", 11)
    assert consent(repo, "lose", True, 12)
    assert repo.recipient("lose") is None
    winner = repo.recipient("win")
    assert winner is not None and winner.consent == {"email:marketing": True}


def test_an_interrupted_merge_resumes_where_it_stopped() -> None:
    # Given a merge whose second step failed (a concurrent writer on the loser every attempt)
    repo = FakeAudience()
    for n in range(60):
        enter(repo, f"s{n:02d}", "lose", 1)
    real = repo.commit
    calls = {"n": 0}

    def flaky(changes: list) -> bool:  # type: ignore[type-arg]
        calls["n"] += 1
        return real(changes) if calls["n"] == 1 else False

    repo.commit = flaky  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="kept changing"):
        merge(repo, "win", "lose", at(10))
    moved = repo.recipient("win")
    assert moved is not None and len(moved.segments) == 45
    # When the event is redelivered
    repo.commit = real  # type: ignore[method-assign]
    merge(repo, "win", "lose", at(10))
    # Then every membership is the winner's, once
    winner = repo.recipient("win")
    assert winner is not None and len(winner.segments) == 60 and repo.recipient("lose") is None


# --- erasure ---------------------------------------------------------------------------


def test_an_erased_recipient_goes_and_late_events_bring_nothing_back() -> None:
    # Given a recipient in a segment, with consent
    repo = FakeAudience()
    lead(repo, "c1")
    enter(repo, "s1", "c1", 1)
    consent(repo, "c1", True, 1)
    # When it is erased (the messages feature's mark first, as in production), twice
    repo.erased.add("c1")
    erase(repo, "c1")
    erase(repo, "c1")
    # Then nothing is held
    assert "c1" not in repo.states and repo.members_of["s1"] == set()
    # ... and late events write nothing
    lead(repo, "c1", minutes=5)
    assert not enter(repo, "s2", "c1", 5) and not consent(repo, "c1", True, 5)
    assert "c1" not in repo.states and repo.members_of.get("s2") is None


# --- eligibility, resolve, count --------------------------------------------------------


def _recipient(**fields: object) -> Recipient:
    return Recipient.model_validate({"contact_id": "c1", "email": "a@example.com", "phone": "+4420", **fields})


@pytest.mark.parametrize(
    ("recipient", "channel", "suppressed", "reason"),
    [
        (None, Channel.EMAIL, set(), SkipReason.ERASED),
        (_recipient(email=None, consent={"email:marketing": True}), Channel.EMAIL, set(), SkipReason.NO_ADDRESS),
        (_recipient(consent={"email:marketing": False}), Channel.EMAIL, set(), SkipReason.NO_CONSENT),
        (_recipient(consent={"email:transactional": True}), Channel.EMAIL, set(), SkipReason.NO_CONSENT),
        (_recipient(consent={"email:marketing": True}), Channel.SMS, set(), SkipReason.NO_CONSENT),
        (_recipient(consent={"email:marketing": True}), Channel.EMAIL, {"a@example.com"}, SkipReason.SUPPRESSED),
        (_recipient(consent={"email:marketing": True}), Channel.EMAIL, {"b@example.com"}, None),
        (_recipient(consent={"sms:marketing": True}), Channel.SMS, {"a@example.com"}, None),
    ],
)
def test_eligibility(recipient: Recipient | None, channel: Channel, suppressed: set[str], reason: SkipReason) -> None:
    assert eligibility(recipient, channel, suppressed) == reason


def _audience() -> FakeAudience:
    # s1: c1..c5, s2: c4..c7, exclusion x: c2, c6
    repo = FakeAudience()
    for n in range(1, 8):
        cid = f"c{n}"
        lead(repo, cid, f"{cid}@example.com")
        consent(repo, cid, n != 3, 1)
    for n in range(1, 6):
        enter(repo, "s1", f"c{n}", 1)
    for n in range(4, 8):
        enter(repo, "s2", f"c{n}", 1)
    enter(repo, "x", "c2", 1)
    enter(repo, "x", "c6", 1)
    return repo


def test_resolve_gives_each_contact_of_the_segments_once_minus_the_excluded() -> None:
    repo = _audience()
    ids = list(resolve(["s1", "s2", "s1"], ["x"], repo))
    assert sorted(ids) == ["c1", "c3", "c4", "c5", "c7"] and len(ids) == len(set(ids))
    assert list(resolve(["s1"], [], repo)) == ["c1", "c2", "c3", "c4", "c5"]
    assert list(resolve(["nobody"], [], repo)) == []


def test_resolve_pages_through_large_segments() -> None:
    repo = FakeAudience()
    repo.members_of = {"big": {f"c{n:05d}" for n in range(2500)}, "x": {"c00007"}}
    assert len(list(resolve(["big"], ["x"], repo))) == 2499


def test_count_tells_who_is_eligible_and_why_the_others_are_skipped() -> None:
    # Given the audience, c3 without consent, c7's recipient missing (its membership read
    # before its erasure went through), c5's address suppressed
    repo = _audience()
    del repo.states["c7"]
    asked: list[list[str]] = []

    def suppressed(addresses: list[str]) -> set[str]:
        asked.append(addresses)
        return {a for a in addresses if a.startswith("c5@")}

    # When the audience is counted for email
    counted = count(["s1", "s2"], ["x"], repo, channel=Channel.EMAIL, suppressed=suppressed)
    # Then five contacts, two eligible, one skipped for each reason; suppression asked only of consenting addresses
    assert (counted.total, counted.eligible) == (5, 2)
    assert counted.skipped == {SkipReason.NO_CONSENT: 1, SkipReason.ERASED: 1, SkipReason.SUPPRESSED: 1}
    assert sorted(a for batch in asked for a in batch) == ["c1@example.com", "c4@example.com", "c5@example.com"]
    # ... and for SMS nobody has an address
    sms = count(["s1"], [], repo, channel=Channel.SMS)
    assert (sms.total, sms.eligible, sms.skipped) == (5, 0, {SkipReason.NO_ADDRESS: 5})
