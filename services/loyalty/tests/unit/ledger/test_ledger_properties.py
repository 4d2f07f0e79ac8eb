"""The ledger's invariants under random sequences of every operation (hypothesis, stateful),
on the in-memory ledger with a clock the sequence moves.

After every step, for every member: balance == sum(entry points) == sum(open lots'
remaining) >= 0, each entry's ``balance_after`` is the running sum of the entries up to it,
every entry_id (its cause) appears once, and no open lot is empty, over-full or negative.
A redelivered cause (a purchase, a refund, a spend, an adjustment, an expiry fire, a merge)
changes nothing at all: not the books, not the outbox, not the schedules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from loyalty.ledger.ports import Books
from loyalty.ledger.postings import Insufficient
from loyalty.ledger.refunds import Refund, reverse_purchase
from loyalty.ledger.usecases import Purchase, accrue_purchase, adjust, expire_lots, order_cause, spend
from loyalty.members.usecases import enrol, merge
from services.loyalty.tests.unit.ledger.fakes import Clock, FakeLedger, FakeSchedules, books, cause
from shared.events import EventMetadata

START = datetime(2026, 1, 10, 9, tzinfo=UTC)
MEMBERS = ("m1", "m2", "m3")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2500"), places=2)
Replay = Callable[[], object]


def refused_or_none(debit: Replay) -> Replay:
    """A debit's redelivery: a no-op, or (the balance having fallen since) refused with
    Insufficient, which changes nothing either; the refusal itself is a bug, pinned by
    test_a_late_retry_of_a_debit_is_not_refused below."""

    def again() -> object:
        try:
            result = debit()
        except Insufficient:
            return None
        assert result is None, "a redelivered debit posted again"
        return result

    return again


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock(START)
        self.books: Books = books(clock=self.clock)
        self.repo: FakeLedger = self.books.repo  # type: ignore[assignment]
        self.schedules: FakeSchedules = self.books.deadlines  # type: ignore[assignment]
        self.orders: list[tuple[str, str, Decimal]] = []  # (contact as sent, order id, amount)
        self.done: list[Replay] = []  # what was delivered once: redelivered by `redeliver`
        self.merged = False
        self.counter = 0

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def _meta(self) -> EventMetadata:
        return cause(self.clock())

    def _home(self, contact_id: str) -> str:
        """Where a contact's points live: a merged-away member's winner."""
        member = self.repo.members[contact_id]
        return member.merged_into or contact_id

    def _snapshot(self) -> Any:
        repo = self.repo
        return copy.deepcopy(
            (repo.members, repo.entries, repo.causes, repo.open_lots, len(repo.events), self.schedules.planned)
        )

    @initialize(contact_ids=st.lists(st.sampled_from(MEMBERS), min_size=2, max_size=3, unique=True))
    def enrol_members(self, contact_ids: list[str]) -> None:
        self.contacts = contact_ids
        for contact_id in contact_ids:
            meta = self._meta()
            enrol(self.books, contact_id, cause_id=meta.event_id, occurred_at=meta.occurred_at, cause=meta)
            self.done.append(
                lambda c=contact_id, m=meta: enrol(self.books, c, cause_id=m.event_id, occurred_at=m.occurred_at)
            )

    # --- operations ----------------------------------------------------------------------

    @rule(who=st.integers(0, 2), amount=amounts, currency=st.sampled_from(["EUR", "EUR", "EUR", "USD"]))
    def purchase(self, who: int, amount: Decimal, currency: str) -> None:
        contact_id = self.contacts[who % len(self.contacts)]
        order_id = self._id("o")
        bought = Purchase(
            contact_id=contact_id, order_id=order_id, amount=amount, currency=currency, occurred_at=self.clock()
        )
        posting = accrue_purchase(self.books, bought, self._meta())
        assert posting is not None and posting.entry is not None
        assert posting.after.contact_id == self._home(contact_id)
        assert (posting.entry.points > 0) == (currency == "EUR" and amount >= 1)
        self.orders.append((contact_id, order_id, amount))
        self.done.append(lambda: self._purchase_again(bought))

    def _purchase_again(self, bought: Purchase) -> object:
        """The same order in another delivery (a new event id): its cause is the order. An
        order whose cause a merge left on the loser (no open lot to move) is left out: its
        redelivery accrues again on the winner (test_a_purchase_redelivered_after_a_merge_...)."""
        if self._order(bought.contact_id, bought.order_id)[0] != self._home(bought.contact_id):
            return None
        return accrue_purchase(self.books, bought, self._meta())

    def _order(self, contact_id: str, order_id: str) -> tuple[str, dict[str, Any]]:
        """Where the order's cause is (the winner's when a merge moved it), and what it says."""
        for holder in (self._home(contact_id), contact_id):
            found = self.repo.causes.get((holder, order_cause(order_id)))
            if found is not None:
                return holder, found
        raise AssertionError(f"order {order_id} has no cause")

    @rule(who=st.integers(0, 2), points=st.integers(1, 3000))
    def redeem(self, who: int, points: int) -> None:
        contact_id = self._home(self.contacts[who % len(self.contacts)])
        before = self.repo.members[contact_id].points_balance
        cause_id = self._id("spend")
        if points > before:
            with pytest.raises(Insufficient):
                spend(self.books, contact_id, points, reason="reward", cause_id=cause_id)
            return
        posting = spend(self.books, contact_id, points, reason="reward", cause_id=cause_id)
        assert posting is not None and self.repo.members[contact_id].points_balance == before - points
        self.done.append(
            refused_or_none(lambda: spend(self.books, contact_id, points, reason="reward", cause_id=cause_id))
        )

    @rule(who=st.integers(0, 2), points=st.integers(-3000, 3000))
    def adjustment(self, who: int, points: int) -> None:
        contact_id = self._home(self.contacts[who % len(self.contacts)])
        before = self.repo.members[contact_id].points_balance
        cause_id = self._id("adjust")

        def once() -> object:
            return adjust(self.books, contact_id, points, reason="correction", by="admin-1", cause_id=cause_id)

        if -points > before:
            with pytest.raises(Insufficient):
                once()
            return
        assert once() is not None
        assert self.repo.members[contact_id].points_balance == before + points
        self.done.append(refused_or_none(once))

    @precondition(lambda self: bool(self.orders))
    @rule(pick=st.integers(0, 10_000), share=st.sampled_from(["full", "half", "third", "more"]), twice=st.booleans())
    def refund(self, pick: int, share: str, twice: bool) -> None:
        contact_id, order_id, amount = self.orders[pick % len(self.orders)]
        part = {"full": amount, "half": amount / 2, "third": amount / 3, "more": amount * 2}[share]
        refunded = Refund(contact_id=contact_id, order_id=order_id, amount=part.quantize(Decimal("0.01")))
        meta = self._meta()
        reverse_purchase(self.books, refunded, meta)
        holder, order = self._order(contact_id, order_id)
        # Never more reversed than the order earned, however many refunds come; all of it
        # once refunded in full (unless a merge stranded the order's cause, see above).
        assert 0 <= int(order["reversed"]) <= int(order["points"])
        if Decimal(order["refunded"]) >= amount and holder == self._home(contact_id):
            assert int(order["reversed"]) == int(order["points"])
        self.done.append(lambda: reverse_purchase(self.books, refunded, meta))
        if twice:
            self.redeliver_last()

    @rule(days=st.integers(1, 240))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @rule()
    def expiry_fires(self) -> None:
        """Every schedule that is due fires (the scheduler may fire one twice: replayed)."""
        now = self.clock()
        for when, event in list(self.schedules.planned.values()):
            data = event.detail["data"]
            if data.get("expires_on") is None or when > now:
                continue
            expires_on = datetime.fromisoformat(data["expires_on"]).date()
            expire_lots(self.books, data["contact_id"], expires_on)
            # Fired again at once, not later: a later fire may rightly find lots a merge
            # moved in since, due by then.
            self._replay(lambda c=data["contact_id"], d=expires_on: expire_lots(self.books, c, d))
        # Every lot whose last day has passed is gone (a merge's moved lots too: the merge
        # planned their expiry on the winner).
        today = now.date()
        for contact_id, lots in self.repo.open_lots.items():
            for (expires_on, lot_id), _ in lots.items():
                assert expires_on >= today, (contact_id, lot_id, expires_on, today)

    @precondition(lambda self: not self.merged)
    @rule(order=st.booleans())
    def merge_two(self, order: bool) -> None:
        winner, loser = self.contacts[:2] if order else self.contacts[1::-1]
        total = sum(self.repo.members[c].points_balance for c in (winner, loser))
        meta = self._meta()
        merge(self.books, winner, loser, meta)
        self.merged = True
        # Nothing is lost or doubled; later events for the loser land on the winner.
        assert self.repo.members[winner].points_balance == total
        assert self.repo.members[loser].points_balance == 0 and self.repo.members[loser].merged_into == winner
        assert not self.repo.open_lots.get(loser)
        self.done.append(lambda: merge(self.books, winner, loser, meta))

    @precondition(lambda self: bool(self.done))
    @rule(pick=st.integers(0, 10_000))
    def redeliver(self, pick: int) -> None:
        self._replay(self.done[pick % len(self.done)])

    def redeliver_last(self) -> None:
        self._replay(self.done[-1])

    def _replay(self, delivery: Replay) -> None:
        before = self._snapshot()
        delivery()
        assert self._snapshot() == before, "a redelivered cause changed the books"

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def books_balance(self) -> None:
        for contact_id, member in self.repo.members.items():
            entries = sorted(self.repo.entries.get(contact_id, {}).values(), key=lambda e: e.seq)
            lots = list(self.repo.open_lots.get(contact_id, {}).values())
            assert member.points_balance == sum(e.points for e in entries) == sum(lot.remaining for lot in lots)
            assert member.points_balance >= 0
            ids = [e.entry_id for e in entries]
            assert len(ids) == len(set(ids)), ids
            running = 0
            for entry in entries:
                running += entry.points
                assert entry.balance_after == running, (contact_id, entry)
            for lot in lots:
                assert 0 < lot.remaining <= lot.points, lot


# Fast enough for every run (about 10 s): 200 sequences of up to 40 steps.
LedgerMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_the_books_balance_after_any_sequence = LedgerMachine.TestCase


def _moved_lots_case() -> tuple[Books, Clock]:
    clock = Clock(datetime(2026, 1, 10, tzinfo=UTC))
    b = books(clock=clock)
    enrol(b, "w", cause_id="s-w", occurred_at=clock())  # the winner's lot: 2027-01-31
    clock.now = datetime(2026, 5, 10, tzinfo=UTC)
    enrol(b, "l", cause_id="s-l", occurred_at=clock())  # the loser's lot: 2027-05-31
    merge(b, "w", "l", cause(clock()))
    return b, clock


def test_lots_moved_by_a_merge_still_expire() -> None:
    b, clock = _moved_lots_case()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    schedules: FakeSchedules = b.deadlines  # type: ignore[assignment]
    # When every schedule has fired, a day after the last lot's last day
    clock.now = datetime(2027, 6, 2, tzinfo=UTC)
    for _, event in list(schedules.planned.values()):
        data = event.detail["data"]
        if "expires_on" in data:
            expire_lots(b, data["contact_id"], datetime.fromisoformat(data["expires_on"]).date())
    # Then no point is left on the winner: both lots have expired
    assert repo.members["w"].points_balance == 0, repo.open_lots["w"]


def test_a_late_retry_of_a_debit_is_not_refused() -> None:
    b = books()
    enrol(b, "c1", cause_id="s", occurred_at=START)
    spend(b, "c1", 150, reason="reward", cause_id="r1")
    adjust(b, "c1", -50, reason="correction", by="admin-1", cause_id="a1")
    # The balance is 0 now; each retry of a debit already made must be a no-op
    assert spend(b, "c1", 150, reason="reward", cause_id="r1") is None
    assert adjust(b, "c1", -50, reason="correction", by="admin-1", cause_id="a1") is None


def test_an_adjustment_of_a_merged_away_member_lands_on_the_winner() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    for contact in ("w", "l"):
        enrol(b, contact, cause_id=f"s-{contact}", occurred_at=START)
    merge(b, "w", "l", cause(START))
    adjust(b, "l", 100, reason="goodwill", by="admin-1", cause_id="a1")
    assert (repo.members["w"].points_balance, repo.members["l"].points_balance) == (500, 0)


def test_a_purchase_redelivered_after_a_merge_accrues_once() -> None:
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    for contact in ("w", "l"):
        enrol(b, contact, cause_id=f"s-{contact}", occurred_at=START)
    bought = Purchase(contact_id="l", order_id="o1", amount=Decimal(100), currency="EUR", occurred_at=START)
    accrue_purchase(b, bought, cause(START))
    spend(b, "l", 300, reason="reward", cause_id="r1")  # its lot is used up
    merge(b, "w", "l", cause(START))
    assert repo.members["w"].points_balance == 200
    accrue_purchase(b, bought, cause(START))  # PurchaseRecorded redelivered
    assert repo.members["w"].points_balance == 200


def test_a_refund_of_an_order_delivered_before_its_purchase_changes_nothing() -> None:
    # Redelivery order is not guaranteed: a refund that arrives first finds no order.
    b = books()
    repo: FakeLedger = b.repo  # type: ignore[assignment]
    enrol(b, "c1", cause_id="s", occurred_at=START)
    before = copy.deepcopy((repo.members, repo.entries))
    assert reverse_purchase(b, Refund(contact_id="c1", order_id="o9", amount=Decimal(10)), cause(START)) == []
    assert (repo.members, repo.entries) == before
    repo.assert_balanced("c1")
