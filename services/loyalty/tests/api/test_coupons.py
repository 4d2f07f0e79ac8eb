"""Coupons against moto's in-process AWS: a partner's checkout uses them within their
limits, however many race; batches reach a segment's members; goodwill once per ticket."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.events import Event, new_event
from shared.sample_events import lead_created
from shared.serial_moto import one_call_at_a_time
from shared.testing import call, failed_ids, pending_outbox, sqs_event

CODE = {"code": "SPRING-10", "kind": "discount", "value": "10.00", "max_uses": 3, "per_customer_limit": 1}


class SegmentEntered(Event):
    bus_source = "crm.contacts"
    segment_id: str
    segment_name: str
    contact_id: str


class SurveyAnswered(Event):
    bus_source = "crm.service_desk"
    survey_id: str
    ticket_id: str
    contact_id: str
    kind: str
    score: int


def _use(client: Any, code: str, order_id: str, contact_id: str, role: str = "partner") -> Any:
    body = {"order_id": order_id, "contact_id": contact_id}
    return call(client, "POST", f"/coupons/{code}/redeem", role=role, body=body)


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def test_a_shared_code_is_used_within_its_limits_and_once_per_order(client: Any) -> None:
    # Given an admin's code for 3 uses, one a customer
    assert call(client, "POST", "/coupons", role="marketer", body=CODE).status_code == 403
    created = call(client, "POST", "/coupons", role="admin", body=CODE)
    assert created.status_code == 201 and created.json["max_uses"] == 3
    assert call(client, "POST", "/coupons", role="admin", body=CODE).status_code == 409
    # When checkouts use it
    first = _use(client, "SPRING-10", "o-1", "c-1")
    retry = _use(client, "SPRING-10", "o-1", "c-1")
    twice = _use(client, "SPRING-10", "o-2", "c-1")
    # Then an order uses it once, a customer within its limit, and only partners may
    assert (first.status_code, first.json["uses"]) == (201, 1)
    assert (retry.status_code, retry.json["uses"]) == (200, 1)
    assert (twice.status_code, twice.json["reason"]) == (409, "limit_reached")
    assert _use(client, "SPRING-10", "o-3", "c-2", role="admin").status_code == 403
    assert _use(client, "SPRING-10", "o-3", "c-2").status_code == 201
    assert _use(client, "SPRING-10", "o-4", "c-3").status_code == 201
    used_up = _use(client, "SPRING-10", "o-5", "c-4")
    assert (used_up.status_code, used_up.json["reason"]) == (409, "used_up")
    assert _use(client, "NO-SUCH", "o-6", "c-5").status_code == 404
    coupon = call(client, "GET", "/coupons/SPRING-10", role="agent").json
    assert (coupon["uses"], coupon["state"]) == (3, "used_up")
    assert call(client, "GET", "/coupons/SPRING-10", role="partner").status_code == 403


def test_concurrent_checkouts_never_exceed_the_uses(client: Any, table: str) -> None:
    # Given a code for 2 uses
    body = {**CODE, "code": "RACE-2", "max_uses": 2, "per_customer_limit": None}
    assert call(client, "POST", "/coupons", role="admin", body=body).status_code == 201
    from loyalty import bootstrap
    from loyalty.coupons.usecases import redeem
    from shared.errors import Conflict

    def attempt(n: int) -> str:
        try:
            redeem("RACE-2", f"order-{n}", f"c-{n}", bootstrap.coupons())
        except Conflict as exc:
            return str(exc.extensions.get("reason"))
        return "used"

    # When 8 checkouts use it at once
    with one_call_at_a_time(), ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(attempt, range(8)))
    # Then two uses were made, each with its own number
    assert outcomes == ["used", "used"] + ["used_up"] * 6
    uses = sorted(e.detail["data"]["uses"] for e in pending_outbox(table) if e.detail_type == "CouponRedeemed")
    assert uses == [1, 2]


def test_a_members_coupon_is_theirs_only_and_expires(client: Any) -> None:
    # Given a member with a redeemed coupon
    event = lead_created()
    _deliver(client, event)
    contact_id = event.detail["data"]["contact_id"]
    reward = call(
        client,
        "POST",
        "/rewards",
        role="admin",
        body={"name": "Ship", "kind": "free_shipping", "points_cost": 10, "stock": 5},
    )
    code = call(
        client, "POST", f"/members/{contact_id}/redemptions", role="agent", body={"reward_id": reward.json["id"]}
    ).json["coupon"]["code"]
    # Then another customer cannot use it; its member can; an old code is refused as expired
    assert _use(client, code, "o-1", "someone-else").json["reason"] == "not_yours"
    assert _use(client, code, "o-1", contact_id).status_code == 201
    old = {**CODE, "code": "OLD-1", "expires_at": "2020-12-31"}
    assert call(client, "POST", "/coupons", role="admin", body=old).status_code == 201
    assert _use(client, "OLD-1", "o-2", contact_id).json["reason"] == "expired"


def test_a_batch_issues_one_coupon_to_each_member_of_a_segment(client: Any, table: str) -> None:
    # Given a segment of 3 (one entered twice) as contacts told
    members = [f"seg-{n}" for n in range(3)]
    entered = [new_event(SegmentEntered(segment_id="vip", segment_name="VIP", contact_id=c)) for c in members]
    _deliver(client, *entered, entered[0])
    # When a marketer asks for a batch and its page events are delivered (twice)
    body = {"segment_id": "vip", "kind": "discount", "value": "5.00", "valid_days": 30, "name": "VIP week"}
    asked = call(client, "POST", "/coupons/batches", role="marketer", body=body)
    assert asked.status_code == 202 and asked.json["state"] == "issuing"
    pages = [e for e in pending_outbox(table) if e.detail_type == "CouponBatchPageDue"]
    _deliver(client, *pages, *pages)
    # Then each member has one coupon and the batch is issued
    batch = call(client, "GET", f"/coupons/batches/{asked.json['batch_id']}", role="marketer").json
    assert (batch["state"], batch["issued"]) == ("issued", 3)
    issued = [e for e in pending_outbox(table) if e.detail_type == "CouponIssued"]
    assert sorted(e.detail["data"]["contact_id"] for e in issued) == members


def test_a_poor_survey_earns_one_goodwill_coupon_per_ticket(client: Any, table: str) -> None:
    # Given a member who rated two tickets poorly and one well (one answer delivered twice)
    event = lead_created()
    _deliver(client, event)
    contact_id = event.detail["data"]["contact_id"]

    def answer(ticket: str, score: int) -> Any:
        return new_event(
            SurveyAnswered(survey_id=f"s-{ticket}", ticket_id=ticket, contact_id=contact_id, kind="csat", score=score)
        )

    poor = answer("t-1", 1)
    _deliver(client, poor, poor, answer("t-1", 2), answer("t-2", 5))
    # Then one goodwill coupon, for t-1
    coupons = call(client, "GET", f"/members/{contact_id}/coupons", role="agent").json["items"]
    assert [(c["source"], c["source_id"], c["value"]) for c in coupons] == [("goodwill", "t-1", "10.00")]
