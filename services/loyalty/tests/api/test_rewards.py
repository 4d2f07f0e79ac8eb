"""Rewards and redemptions against moto's in-process AWS: points, stock, limits and the
coupon move in one transaction, and each refusal says why (Given/When/Then)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.sample_events import lead_created
from shared.serial_moto import one_call_at_a_time
from shared.testing import call, failed_ids, pending_outbox, sqs_event

GIFT = {"name": "Tote bag", "kind": "gift", "points_cost": 150, "stock": 2}


def _member(client: Any, points: int = 0) -> str:
    """A member with the 200 sign-up points and ``points`` more (an admin's adjustment)."""
    event = lead_created()
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    contact_id = str(event.detail["data"]["contact_id"])
    if points:
        body = {"points": points, "reason": "bench top-up"}
        assert call(client, "POST", f"/members/{contact_id}/adjustments", role="admin", body=body).status_code == 201
    return contact_id


def _reward(client: Any, **fields: Any) -> dict[str, Any]:
    created = call(client, "POST", "/rewards", role="marketer", body={**GIFT, **fields})
    assert created.status_code == 201, created.json
    return dict(created.json)


def _redeem(client: Any, contact_id: str, reward_id: str, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return call(
        client,
        "POST",
        f"/members/{contact_id}/redemptions",
        role="agent",
        body={"reward_id": reward_id},
        headers=headers,
    )


def test_a_redemption_spends_points_for_a_coupon_once_per_key(client: Any, table: str) -> None:
    # Given a member with 200 points and a reward of 150
    contact_id, reward = _member(client), _reward(client)
    # When it is redeemed, the request retried with its key, and retried again after the
    # edge forgot the key (24 h): the key is the ledger entry's cause
    first = _redeem(client, contact_id, reward["id"], key="r-1")
    again = _redeem(client, contact_id, reward["id"], key="r-1")
    from loyalty import bootstrap
    from loyalty.rewards.usecases import redeem_reward

    late, now = redeem_reward(
        bootstrap.books(), bootstrap.rewards(), bootstrap.coupons(), contact_id, reward["id"], key="r-1"
    )
    # Then one coupon, 150 points and one unit of stock went, once
    assert first.status_code == 201, first.json
    assert first.json["balance"] == 50 and first.json["coupon"]["source"] == "redemption"
    code = first.json["coupon"]["code"]
    assert again.status_code == 201 and again.json["coupon"]["code"] == code
    assert not now and late.coupon.code == code
    assert call(client, "GET", f"/rewards/{reward['id']}", role="sales").json["stock"] == 1
    member = call(client, "GET", f"/members/{contact_id}", role="agent").json
    assert member["points_balance"] == 50
    entries = call(client, "GET", f"/members/{contact_id}/ledger", role="agent").json["items"]
    assert [(e["kind"], e["points"]) for e in entries] == [("redemption", -150), ("accrual", 200)]
    coupons = call(client, "GET", f"/members/{contact_id}/coupons", role="agent").json["items"]
    assert [(c["code"], c["state"], c["points"]) for c in coupons] == [(code, "active", 150)]
    types = [e.detail_type for e in pending_outbox(table)]
    assert (
        types.count("RewardRedeemed") == 1 and types.count("CouponIssued") == 1 and types.count("PointsRedeemed") == 1
    )


def test_refusals_say_why_and_change_nothing(client: Any) -> None:
    # Given a member with 200 points, a reward limited to one a member, and one out of reach
    contact_id = _member(client)
    once = _reward(client, points_cost=50, per_member_limit=1)
    dear = _reward(client, points_cost=5000)
    empty = _reward(client, stock=0)
    gone = _reward(client, valid_until="2020-01-01")
    # When each is redeemed
    assert _redeem(client, contact_id, once["id"]).status_code == 201
    refused = {
        "limit_reached": _redeem(client, contact_id, once["id"]),
        "insufficient_points": _redeem(client, contact_id, dear["id"]),
        "out_of_stock": _redeem(client, contact_id, empty["id"]),
        "unavailable": _redeem(client, contact_id, gone["id"]),
    }
    # Then each answers 409 with its reason, and only the first redemption spent points
    assert {reason: (r.status_code, r.json["reason"]) for reason, r in refused.items()} == {
        reason: (409, reason) for reason in refused
    }
    assert call(client, "GET", f"/members/{contact_id}", role="agent").json["points_balance"] == 150
    missing = _redeem(client, contact_id, "nope")
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "reward_id"
    assert _redeem(client, "no-such-member", once["id"]).status_code == 404


def test_stock_holds_when_members_race_for_the_last_units(client: Any) -> None:
    # Given 6 members with enough points and a reward with 2 units left
    from loyalty import bootstrap
    from loyalty.rewards.usecases import redeem_reward
    from shared.errors import Conflict

    members = [_member(client) for _ in range(6)]
    reward = _reward(client, stock=2)

    def attempt(contact_id: str) -> str:
        try:
            redeem_reward(bootstrap.books(), bootstrap.rewards(), bootstrap.coupons(), contact_id, reward["id"])
        except Conflict as exc:
            return str(exc.extensions.get("reason"))
        return "redeemed"

    # When they all redeem at once
    with one_call_at_a_time(), ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(attempt, members))
    # Then exactly two got one; the rest were told it is out of stock
    assert outcomes == ["out_of_stock"] * 4 + ["redeemed"] * 2
    after = call(client, "GET", f"/rewards/{reward['id']}", role="agent").json
    assert (after["stock"], after["redeemed"]) == (0, 2)


def test_the_catalogue_is_kept_by_curators_at_its_version(client: Any) -> None:
    reward = _reward(client)
    path = f"/rewards/{reward['id']}"
    assert call(client, "POST", "/rewards", role="sales", body=GIFT).status_code == 403
    bad = call(client, "POST", "/rewards", role="admin", body={**GIFT, "kind": "discount"})
    assert bad.status_code == 422
    assert call(client, "PATCH", path, role="admin", body={"stock": 10}).status_code == 428
    patched = call(client, "PATCH", path, role="admin", body={"stock": 10}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200 and patched.json["stock"] == 10 and patched.headers["ETag"] == '"2"'
    stale = call(client, "PATCH", path, role="admin", body={"name": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    listed = call(client, "GET", "/rewards?limit=1", role="sales").json
    assert len(listed["items"]) == 1
