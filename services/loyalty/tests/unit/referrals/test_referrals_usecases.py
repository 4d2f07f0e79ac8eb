"""The referrals use cases on in-memory fakes (Given/When/Then): a credit only after an
unrefunded first purchase's window, once per referral, within the referral rule's caps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.earning.models import DEFAULT_RULES, Cap, Period
from loyalty.ledger.ports import Books
from loyalty.ledger.refunds import Refund, reverse_purchase
from loyalty.ledger.usecases import Purchase, accrue_purchase
from loyalty.members.usecases import enrol
from loyalty.referrals.models import Referral, ReferralState
from loyalty.referrals.usecases import first_purchase, link, referral_code, window_closed
from services.loyalty.tests.unit.ledger.fakes import FakeLedger, FakeSchedules, books, cause
from shared.events import Outgoing

MARCH = datetime(2026, 3, 15, 12, tzinfo=UTC)


class FakeReferrals:
    """The table's guarantees: each key created once, a state moved only from the one read."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.by_member: dict[str, str] = {}
        self.referrals: dict[str, Referral] = {}
        self.events: list[Outgoing] = []

    def code_of(self, contact_id: str) -> str | None:
        return self.by_member.get(contact_id)

    def owner_of(self, code: str) -> str | None:
        return self.codes.get(code)

    def create_code(self, contact_id: str, code: str) -> bool:
        if code in self.codes or contact_id in self.by_member:
            return False
        self.codes[code], self.by_member[contact_id] = contact_id, code
        return True

    def link(self, referral: Referral) -> bool:
        if referral.referred_id in self.referrals:
            return False
        self.referrals[referral.referred_id] = referral
        return True

    def referral(self, referred_id: str) -> Referral | None:
        found = self.referrals.get(referred_id)
        return found.model_copy() if found else None

    def move(self, referred_id: str, before: ReferralState, after: ReferralState, order_id: str | None = None) -> bool:
        found = self.referrals.get(referred_id)
        if found is None or found.state is not before:
            return False
        update: dict[str, object] = {"state": after} | ({"order_id": order_id} if order_id else {})
        self.referrals[referred_id] = found.model_copy(update=update)
        return True

    def complete(self, referred_id: str, order_id: str, events: list[Outgoing]) -> bool:
        found = self.referrals.get(referred_id)
        if found is None or found.state is not ReferralState.PURCHASED or found.order_id != order_id:
            return False
        self.referrals[referred_id] = found.model_copy(update={"state": ReferralState.COMPLETED})
        self.events += events
        return True


def _world(**program: object) -> tuple[FakeLedger, FakeReferrals, Books]:
    ledger = FakeLedger()
    b = books(ledger, **program)
    for contact_id in ("ref", "new", "other"):
        enrol(b, contact_id, cause_id=f"signup:{contact_id}", occurred_at=MARCH)
    return ledger, FakeReferrals(), b


def _buy(b: Books, contact_id: str, order_id: str) -> None:
    purchase = Purchase(contact_id=contact_id, order_id=order_id, amount=Decimal(10), currency="EUR", occurred_at=MARCH)
    accrue_purchase(b, purchase, cause())


def _balance(ledger: FakeLedger, contact_id: str) -> int:
    member = ledger.member(contact_id)
    assert member is not None
    return member.points_balance


def test_one_code_per_member() -> None:
    _, repo, b = _world()
    code = referral_code(b, repo, "ref").code
    assert len(code) == 8 and referral_code(b, repo, "ref").code == code


def test_linked_once_self_refused_credited_after_the_window_once() -> None:
    ledger, repo, b = _world()
    code = referral_code(b, repo, "ref").code
    other = referral_code(b, repo, "other").code
    assert not link(repo, "ref", code, MARCH)  # self-referral
    assert link(repo, "new", code, MARCH) and not link(repo, "new", other, MARCH)
    _buy(b, "new", "o-1")
    assert first_purchase(b, repo, "new", "o-1", MARCH)
    assert not first_purchase(b, repo, "new", "o-2", MARCH)  # not a first purchase
    planned = planned_of(b)
    assert [when for when, _ in planned] == [MARCH + timedelta(days=30)]
    assert window_closed(b, repo, "new", "o-1")
    assert not window_closed(b, repo, "new", "o-1")
    assert (_balance(ledger, "ref"), _balance(ledger, "new"), _balance(ledger, "other")) == (700, 460, 200)
    assert [e.detail["data"]["referrer_points"] for e in repo.events] == [500]


def test_a_refund_in_the_window_voids() -> None:
    ledger, repo, b = _world()
    link(repo, "new", referral_code(b, repo, "ref").code, MARCH)
    _buy(b, "new", "o-1")
    first_purchase(b, repo, "new", "o-1", MARCH)
    reverse_purchase(b, Refund(contact_id="new", order_id="o-1", amount=Decimal(1)), cause())
    assert not window_closed(b, repo, "new", "o-1")
    assert repo.referrals["new"].state is ReferralState.VOID and _balance(ledger, "ref") == 200


def test_the_referral_rule_caps_a_referrer() -> None:
    ledger, repo, b = _world()
    capped = [r.model_copy(update={"cap": Cap(points=500, period=Period.MONTH)}) for r in DEFAULT_RULES]
    b = replace(b, terms=replace(b.terms, rules=capped), deadlines=FakeSchedules())
    code = referral_code(b, repo, "ref").code
    for referred in ("new", "other"):
        link(repo, referred, code, MARCH)
        _buy(b, referred, f"o-{referred}")
        first_purchase(b, repo, referred, f"o-{referred}", MARCH)
        window_closed(b, repo, referred, f"o-{referred}")
    assert _balance(ledger, "ref") == 700  # the second referral this month earns the referrer nothing


def planned_of(b: Books) -> list[tuple[datetime, Outgoing]]:
    assert isinstance(b.deadlines, FakeSchedules)
    return [(when, e) for when, e in b.deadlines.planned.values() if e.detail_type == "ReferralWindowClosed"]
