"""The ledger's use cases on an in-memory ledger with a fixed clock (Given/When/Then): the
books balance after every step (balance == sum(entries) == sum(open lots), never negative)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from loyalty.ledger.postings import Insufficient
from loyalty.ledger.refunds import Refund, reverse_purchase
from loyalty.ledger.usecases import Purchase, accrue_purchase, adjust, expire_lots, spend
from loyalty.members.usecases import enrol, merge, view
from services.loyalty.tests.unit.ledger.fakes import Clock, FakeLedger, books, cause

MARCH = datetime(2026, 3, 15, 12, tzinfo=UTC)


def _purchase(contact_id: str, order_id: str, amount: str, at: datetime = MARCH) -> Purchase:
    return Purchase(contact_id=contact_id, order_id=order_id, amount=Decimal(amount), currency="EUR", occurred_at=at)


def _types(repo: FakeLedger) -> list[str]:
    return [e.detail_type for e in repo.events]


def test_a_member_is_enrolled_once_with_the_signup_points() -> None:
    # Given the default program
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    # When a lead is enrolled twice (a redelivery)
    first = cause(MARCH)
    member, enrolled = enrol(b, "c1", cause_id=first.event_id, occurred_at=MARCH, cause=first)
    again, enrolled_again = enrol(b, "c1", cause_id="other", occurred_at=MARCH)
    # Then it is credited once, on the lowest tier
    assert (enrolled, enrolled_again) == (True, False)
    assert (member.points_balance, member.tier) == (200, "bronze") and again == member
    assert _types(repo) == ["MemberEnrolled", "PointsAccrued"]
    repo.assert_balanced("c1")


def test_a_purchase_earns_once_per_order_at_the_tier_multiplier() -> None:
    # Given a member who reached silver (1,000 points earned over 12 months)
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=MARCH)
    accrue_purchase(b, _purchase("c1", "o1", "800"), cause(MARCH))
    assert repo.members["c1"].tier == "silver"
    # When it buys for 100 EUR, and the event comes twice
    for _ in range(2):
        accrue_purchase(b, _purchase("c1", "o2", "100"), cause(MARCH))
    # Then it earns 100 x 1.25 once
    assert repo.members["c1"].points_balance == 200 + 800 + 125
    assert "TierChanged" in _types(repo)
    repo.assert_balanced("c1")


def test_a_refund_reverses_exactly_that_orders_points() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=MARCH)
    accrue_purchase(b, _purchase("c1", "o1", "300"), cause(MARCH))
    accrue_purchase(b, _purchase("c1", "o2", "50"), cause(MARCH))
    # When o1 is refunded in two halves (and one half is delivered twice)
    half = cause(MARCH)
    for refund_cause in (half, half, cause(MARCH)):
        reverse_purchase(b, Refund(contact_id="c1", order_id="o1", amount=Decimal(150)), refund_cause)
    # Then o1's 300 points are gone, o2's stay, and it no longer counts toward a tier
    member = repo.members["c1"]
    assert member.points_balance == 250 and member.earned_by_month["2026-03"] == 250
    assert [e.detail["data"]["points"] for e in repo.events if e.detail_type == "PointsReversed"] == [150, 150]
    repo.assert_balanced("c1")


def test_a_refund_of_spent_points_is_unrecovered_or_clawed_back_as_the_program_says() -> None:
    for claws_back, balance_after in ((False, 0), (True, 0)):
        b = books(refund_claws_back_spent=claws_back)
        repo: FakeLedger = b.repo  # type: ignore[assignment]
        enrol(b, "c1", cause_id="s", occurred_at=MARCH)
        accrue_purchase(b, _purchase("c1", "o1", "100"), cause(MARCH))
        spend(b, "c1", 250, reason="reward", cause_id="r1")  # 200 sign-up + 50 of o1's lot
        reverse_purchase(b, Refund(contact_id="c1", order_id="o1", amount=Decimal(100)), cause(MARCH))
        reversed_ = next(e.detail["data"] for e in repo.events if e.detail_type == "PointsReversed")
        assert (reversed_["points"], reversed_["unrecovered"]) == (50, 50)
        assert repo.members["c1"].points_balance == balance_after
        repo.assert_balanced("c1")


def test_spending_takes_the_soonest_expiring_lots_and_never_goes_negative() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=datetime(2026, 1, 10, tzinfo=UTC))  # expires 2027-01-31
    accrue_purchase(b, _purchase("c1", "o1", "100", datetime(2026, 2, 1, tzinfo=UTC)), cause())  # 2027-02-28
    posting = spend(b, "c1", 250, reason="reward", cause_id="r1")
    assert posting is not None and posting.entry is not None
    assert [(u.expires_on, u.points) for u in posting.entry.lots] == [(date(2027, 1, 31), 200), (date(2027, 2, 28), 50)]
    with pytest.raises(Insufficient):
        spend(b, "c1", 51, reason="reward", cause_id="r2")
    assert spend(b, "c1", 10, reason="reward", cause_id="r1") is None  # the same cause: spent once
    repo.assert_balanced("c1")


def test_expiry_takes_only_what_is_left_of_the_oldest_lot() -> None:
    # Given lots earned in January (200) and February (100), 250 of them spent
    clock = Clock(datetime(2026, 2, 2, tzinfo=UTC))
    b = books(clock=clock)
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=datetime(2026, 1, 10, tzinfo=UTC))
    accrue_purchase(b, _purchase("c1", "o1", "100", datetime(2026, 2, 1, tzinfo=UTC)), cause())
    spend(b, "c1", 250, reason="reward", cause_id="r1")
    # When January's lot falls due (on 2027-02-01) and its schedule fires twice
    clock.now = datetime(2027, 2, 1, 0, 0, 1, tzinfo=UTC)
    expired = expire_lots(b, "c1", date(2027, 1, 31)) + expire_lots(b, "c1", date(2027, 1, 31))
    # Then nothing expires: January's lot was spent whole; February's 50 are left
    assert expired == [] and repo.members["c1"].points_balance == 50
    # And when February's falls due, only its 50 unspent points expire, once
    clock.now = datetime(2027, 3, 1, 0, 0, 1, tzinfo=UTC)
    assert [p.entry.points for p in expire_lots(b, "c1", date(2027, 2, 28)) if p.entry] == [-50]
    assert expire_lots(b, "c1", date(2027, 2, 28)) == []
    assert repo.members["c1"].points_balance == 0
    repo.assert_balanced("c1")


def test_an_early_fire_expires_nothing() -> None:
    clock = Clock(datetime(2027, 1, 31, 23, tzinfo=UTC))  # still the lot's last day
    b = books(clock=clock)
    enrol(b, "c1", cause_id="s", occurred_at=datetime(2026, 1, 10, tzinfo=UTC))
    assert expire_lots(b, "c1", date(2027, 1, 31)) == []


def test_expiry_and_review_are_scheduled_once() -> None:
    b = books()
    enrol(b, "c1", cause_id="s", occurred_at=MARCH)
    accrue_purchase(b, _purchase("c1", "o1", "2000"), cause(MARCH))
    accrue_purchase(b, _purchase("c1", "o2", "5"), cause(MARCH))
    planned = sorted(b.deadlines.planned)  # type: ignore[attr-defined]
    assert planned == ["loyalty-expiry-c1-20270331", "loyalty-review-c1-20270315"]


def test_an_admin_adjustment_moves_the_balance_but_not_the_tier() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=MARCH)
    adjust(b, "c1", 5000, reason="goodwill", by="admin-1", cause_id="a1")
    assert repo.members["c1"].tier == "bronze" and repo.members["c1"].points_balance == 5200
    with pytest.raises(Insufficient):
        adjust(b, "c1", -6000, reason="correction", by="admin-1", cause_id="a2")
    posting = adjust(b, "c1", -5100, reason="correction", by="admin-1", cause_id="a3")
    assert posting is not None and posting.entry is not None and posting.entry.by == "admin-1"
    repo.assert_balanced("c1")


def test_a_merge_moves_points_lots_and_orders_once() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    for contact in ("w", "l"):
        enrol(b, contact, cause_id="s", occurred_at=MARCH)
    accrue_purchase(b, _purchase("l", "o1", "100"), cause(MARCH))
    merged = cause(MARCH)
    merge(b, "w", "l", merged)
    merge(b, "w", "l", merged)  # redelivered
    assert repo.members["w"].points_balance == 500 and repo.members["l"].points_balance == 0
    assert repo.members["w"].lifetime_points == 500 and repo.members["l"].merged_into == "w"
    repo.assert_balanced("w")
    repo.assert_balanced("l")
    # A refund of the loser's order, sent for either id, reverses it at the winner
    reverse_purchase(b, Refund(contact_id="l", order_id="o1", amount=Decimal(100)), cause(MARCH))
    assert repo.members["w"].points_balance == 400
    repo.assert_balanced("w")
    # And a purchase for the loser's id lands on the winner
    accrue_purchase(b, _purchase("l", "o2", "10"), cause(MARCH))
    assert repo.members["w"].points_balance == 410


def test_the_view_shows_progress_and_the_next_expiry() -> None:
    b = books()
    enrol(b, "c1", cause_id="s", occurred_at=MARCH)
    shown = view(b, "c1")
    assert shown.progress.next_tier == "silver" and shown.progress.needed == 800
    assert shown.next_expiry is not None and (shown.next_expiry.date, shown.next_expiry.points) == (
        date(2027, 3, 31),
        200,
    )


def test_a_contended_member_is_retried() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=MARCH)
    repo.stale_to_raise = 3
    accrue_purchase(b, _purchase("c1", "o1", "10"), cause(MARCH))
    assert repo.members["c1"].points_balance == 210
