"""Loyalty end to end over HTTP and the bus: tiers multiply, refunds reverse their order,
and concurrency never overspends a balance, a coupon or a duplicate delivery."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from shared.events import Event, new_event
from shared.sample_events import purchase_recorded, purchase_refunded
from tests.e2e import drain, eventually, headers, new_lead, publish, tap


class SurveyAnswered(Event):
    """The shape crm.service_desk publishes (service_desk.events.SurveyAnswered)."""

    bus_source = "crm.service_desk"
    survey_id: str
    ticket_id: str
    contact_id: str
    kind: str
    score: int


def _send(stack: Any, method: str, path: str, role: str = "admin", **kwargs: Any) -> requests.Response:
    # A session per call: the threads below must not share one connection pool's state.
    with requests.Session() as session:
        return session.request(method, f"{stack.url}/loyalty{path}", headers=headers(stack, role), timeout=30, **kwargs)


def _member(stack: Any) -> str:
    """A new lead, enrolled by loyalty with its 200 sign-up points."""
    contact_id = str(new_lead(stack)["id"])
    eventually(lambda: _send(stack, "GET", f"/members/{contact_id}", "agent").status_code == 200)
    return contact_id


def _balance(stack: Any, contact_id: str) -> int:
    return int(_send(stack, "GET", f"/members/{contact_id}", "agent").json()["points_balance"])


def test_a_higher_tier_earns_its_multiplier_and_a_refund_reverses_that_order(stack: Any) -> None:
    # Given a member who reaches silver (1,000 points) with a first order of 900
    contact_id = _member(stack)
    publish(stack, [purchase_recorded(contact_id, "big", "900.00")])
    eventually(lambda: _send(stack, "GET", f"/members/{contact_id}", "agent").json()["tier"] == "silver")
    # When a second order of 100 follows, and then the first is refunded in full
    publish(stack, [purchase_recorded(contact_id, "small", "100.00")])
    eventually(lambda: _balance(stack, contact_id) == 200 + 900 + 125)
    publish(stack, [purchase_refunded(contact_id, "big", "900.00")])
    # Then the second earned silver's 1.25, and the refund took back exactly the first's 900
    eventually(lambda: _balance(stack, contact_id) == 200 + 125)
    entries = _send(stack, "GET", f"/members/{contact_id}/ledger", "agent").json()["items"]
    assert [(e["kind"], e["points"], e.get("order_id")) for e in entries] == [
        ("reversal", -900, "big"),
        ("accrual", 125, "small"),
        ("accrual", 900, "big"),
        ("accrual", 200, None),
    ]


def test_eight_concurrent_redemptions_against_a_balance_for_three(stack: Any) -> None:
    # Given a member with 300 points and a reward of 100 (plenty of stock)
    contact_id = _member(stack)
    top_up = {"points": 100, "reason": "e2e top-up"}
    assert _send(stack, "POST", f"/members/{contact_id}/adjustments", json=top_up).status_code == 201
    reward = {"name": "Mug", "kind": "gift", "points_cost": 100, "stock": 50}
    reward_id = _send(stack, "POST", "/rewards", "marketer", json=reward).json()["id"]
    # When 8 redemptions arrive at once
    path = f"/members/{contact_id}/redemptions"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _send(stack, "POST", path, "agent", json={"reward_id": reward_id}), range(8)))
    # Then exactly 3 succeed, the rest are told why, and the balance is exactly spent
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [409] * 5, [a.text for a in answers]
    assert {a.json()["reason"] for a in answers if a.status_code == 409} == {"insufficient_points"}
    assert _balance(stack, contact_id) == 0
    entries = _send(stack, "GET", f"/members/{contact_id}/ledger", "agent").json()["items"]
    assert sum(e["points"] for e in entries) == 0 and min(e["balance_after"] for e in entries) >= 0
    assert _send(stack, "GET", f"/rewards/{reward_id}", "agent").json()["stock"] == 47


def test_a_single_use_coupon_redeemed_by_five_checkouts_at_once_succeeds_once(stack: Any) -> None:
    # Given a code with one use
    code = f"ONCE-{uuid.uuid4().hex[:8].upper()}"
    body = {"code": code, "kind": "discount", "value": "5.00", "max_uses": 1}
    assert _send(stack, "POST", "/coupons", json=body).status_code == 201

    # When five partner checkouts use it at once
    def checkout(n: int) -> requests.Response:
        use = {"order_id": f"order-{n}", "contact_id": f"shopper-{n}"}
        return _send(stack, "POST", f"/coupons/{code}/redeem", "partner", json=use)

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(checkout, range(5)))
    # Then one checkout has it; the others are told it is used up
    assert sorted(a.status_code for a in answers) == [201] + [409] * 4, [a.text for a in answers]
    assert {a.json()["reason"] for a in answers if a.status_code == 409} == {"used_up"}
    assert _send(stack, "GET", f"/coupons/{code}", "agent").json()["uses"] == 1


def test_a_low_survey_score_delivered_twice_issues_one_goodwill_coupon(stack: Any) -> None:
    # Given a member who rated a ticket 1 of 5
    contact_id = _member(stack)
    answered = new_event(
        SurveyAnswered(
            survey_id="s-1", ticket_id=f"t-{uuid.uuid4().hex[:8]}", contact_id=contact_id, kind="csat", score=1
        )
    )
    issued = tap(stack, {"source": ["crm.loyalty"], "detail-type": ["CouponIssued"]})
    # When the answer reaches the bus twice
    publish(stack, [answered, answered])

    def coupons() -> list[dict[str, Any]]:
        return list(_send(stack, "GET", f"/members/{contact_id}/coupons", "agent").json()["items"])

    # Then exactly one goodwill coupon is issued, and one CouponIssued published
    eventually(coupons)
    assert [(c["source"], c["value"]) for c in coupons()] == [("goodwill", "10.00")]
    published = [e for e in drain(stack, issued, wait=4) if e["detail"]["data"]["contact_id"] == contact_id]
    assert len(published) == 1


def test_a_thousand_accruals_with_duplicates_from_eight_senders(load_stack: Any) -> None:
    stack = load_stack
    # Given 8 members and 800 purchases of 1.00 among them (each earns 1 point), 200 of
    # them sent twice
    members = [_member(stack) for _ in range(8)]
    unique = [purchase_recorded(members[n % 8], f"o-{uuid.uuid4().hex[:10]}", "1.00") for n in range(800)]
    sends = unique + unique[::4]
    random.Random(7).shuffle(sends)  # a duplicate may arrive first, or beside its twin
    chunks = [sends[i : i + 10] for i in range(0, len(sends), 10)]
    # When 8 senders put them on the bus at once
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda chunk: publish(stack, chunk), chunks))
    # Then each balance is its sign-up plus its unique purchases, no more
    # (each purchase also reaches pipeline, and its points contacts' timeline: about 15
    # emulator calls an event, so the local stack takes a few minutes for the thousand)
    for contact_id in members:
        eventually(lambda c=contact_id: _balance(stack, c) == 300, timeout=300)
    for contact_id in members:
        assert _balance(stack, contact_id) == 300


def test_a_lot_past_its_last_day_is_expired_by_its_own_schedule_and_nothing_else(stack: Any) -> None:
    # Given a member (200 sign-up points, valid for a year) and an order of 14 months ago
    # arriving late: its 100 points' last day has passed (the fixed-clock cases of which
    # lot goes first are the ledger's unit and property tests: the stack's clock is real)
    from datetime import UTC, datetime, timedelta

    contact_id = _member(stack)
    long_ago = (datetime.now(UTC) - timedelta(days=430)).isoformat()
    publish(stack, [purchase_recorded(contact_id, "old", "100.00", occurred_at=long_ago)])
    # When its one-time schedule fires (the local scheduler fires one already due at once)
    entries = eventually(
        lambda: (
            (found := _send(stack, "GET", f"/members/{contact_id}/ledger", "agent").json()["items"])
            and found[0]["kind"] == "expiry"
            and found
        )
    )
    # Then exactly the old lot's 100 expired; the sign-up's points are all still there
    assert [(e["kind"], e["points"]) for e in entries] == [("expiry", -100), ("accrual", 100), ("accrual", 200)]
    assert _balance(stack, contact_id) == 200
