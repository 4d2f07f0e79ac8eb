"""Loyalty routes and consumer against moto's in-process AWS (Given/When/Then)."""

from __future__ import annotations

from typing import Any

from shared.sample_events import lead_created, purchase_recorded, purchase_refunded
from shared.testing import call, failed_ids, failed_positions, pending_outbox, sqs_event


def _member(client: Any, contact_id: str, suffix: str = "") -> Any:
    return call(client, "GET", f"/members/{contact_id}{suffix}", role="marketer")


def _enrolled(client: Any) -> str:
    event = lead_created()
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    return str(event.detail["data"]["contact_id"])


def test_a_lead_delivered_three_times_is_credited_once(client: Any, table: str) -> None:
    # Given a LeadCreated event
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    # When it is delivered three times (once as a duplicate inside one batch)
    for batch in ([event], [event, event]):
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event(batch))) == []
    # Then the member has one sign-up credit
    member = _member(client, contact_id).json
    assert member["points_balance"] == 200 and member["lifetime_points"] == 200 and member["tier"] == "bronze"
    assert member["progress"] == {"basis": "points", "qualifying": "200", "next_tier": "silver", "needed": "800"}
    entries = _member(client, contact_id, "/ledger").json["items"]
    assert [(e["entry_id"], e["points"], e["reason"], e["kind"]) for e in entries] == [
        (event.event_id, 200, "signup", "accrual")
    ]
    assert sorted(e.detail_type for e in pending_outbox(table)) == ["MemberEnrolled", "PointsAccrued"]


def test_poison_records_fail_alone(client: Any) -> None:
    good, broken = lead_created(), lead_created()
    broken.detail["metadata"].pop("event_id")
    assert failed_positions(client, [broken, good, '{"detail-type": "LeadCreated"}']) == [0, 2]
    assert _member(client, good.detail["data"]["contact_id"]).status_code == 200


def test_purchases_earn_and_refunds_reverse_through_the_consumer(client: Any) -> None:
    # Given a member and two orders (one delivered twice)
    contact_id = _enrolled(client)
    big, small = purchase_recorded(contact_id, "o-1", "900.00"), purchase_recorded(contact_id, "o-2", "40.50")
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([big, big, small]))) == []
    member = _member(client, contact_id).json
    # (the second at silver: 40.50 x 1.25, rounded down)
    assert (member["points_balance"], member["tier"]) == (200 + 900 + 50, "silver")
    # When the big one is refunded
    assert (
        failed_ids(client.lambda_.invoke("on_event", sqs_event([purchase_refunded(contact_id, "o-1", "900.00")]))) == []
    )
    # Then exactly its points come back; the ledger says which order and lot
    member = _member(client, contact_id).json
    assert member["points_balance"] == 250 and member["lifetime_points"] == 250
    reversal = _member(client, contact_id, "/ledger?limit=1").json["items"][0]
    assert (reversal["kind"], reversal["points"], reversal["order_id"]) == ("reversal", -900, "o-1")
    assert [lot["points"] for lot in reversal["lots"]] == [900]


def test_ledger_is_paginated_newest_first(client: Any) -> None:
    # Given a member with the sign-up credit and two purchases
    contact_id = _enrolled(client)
    for order, amount in (("a", "300"), ("b", "600")):
        client.lambda_.invoke("on_event", sqs_event([purchase_recorded(contact_id, order, amount)]))
    # When the ledger is read two entries at a time
    first = _member(client, contact_id, "/ledger?limit=2").json
    second = _member(client, contact_id, f"/ledger?limit=2&cursor={first['next_cursor']}").json
    # Then entries come newest first, with their running balance, and the tier moved to silver
    entries = first["items"] + second["items"]
    assert [(e["points"], e["balance_after"]) for e in entries] == [(600, 1100), (300, 500), (200, 200)]
    assert _member(client, contact_id).json["tier"] == "silver"


def test_an_adjustment_is_admin_only_and_once_per_idempotency_key(client: Any) -> None:
    contact_id = _enrolled(client)
    path, body = f"/members/{contact_id}/adjustments", {"points": -150, "reason": "duplicate sign-up"}
    assert call(client, "POST", path, role="manager", body=body).status_code == 403
    first = call(client, "POST", path, role="admin", body=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and first.json["kind"] == "adjustment" and first.json["by"]
    again = call(client, "POST", path, role="admin", body=body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code in (200, 201) and again.json["entry_id"] == first.json["entry_id"]
    assert _member(client, contact_id).json["points_balance"] == 50
    too_much = call(client, "POST", path, role="admin", body={"points": -51, "reason": "oops"})
    assert too_much.status_code == 409 and "insufficient" in too_much.json["detail"]
    bad = call(client, "POST", path, role="admin", body={"points": 10, "reason": ""})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "reason"


def test_members_are_enrolled_by_hand_once(client: Any) -> None:
    body = {"contact_id": "walk-in-1", "birthday": "02-29"}
    first = call(client, "POST", "/members", role="agent", body=body)
    assert first.status_code == 201 and first.json["points_balance"] == 200
    assert call(client, "POST", "/members", role="agent", body=body).status_code == 200
    bad = call(client, "POST", "/members", role="agent", body={"contact_id": "x", "birthday": "13-01"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "birthday"
    assert call(client, "POST", "/members", role="sales", body=body).status_code == 403


def test_the_program_is_read_by_staff_and_replaced_by_admins_at_its_version(client: Any) -> None:
    program = call(client, "GET", "/program", role="sales")
    assert program.status_code == 200 and program.json["points_per_unit"] == "1" and program.headers["ETag"] == '"0"'
    body = {**program.json, "points_per_unit": "2"}
    body.pop("version"), body.pop("updated_at")
    assert call(client, "PUT", "/program", role="manager", body=body, headers={"If-Match": '"0"'}).status_code == 403
    assert call(client, "PUT", "/program", role="admin", body=body).status_code == 428
    put = call(client, "PUT", "/program", role="admin", body=body, headers={"If-Match": '"0"'})
    assert put.status_code == 200 and put.json["version"] == 1
    assert call(client, "PUT", "/program", role="admin", body=body, headers={"If-Match": '"0"'}).status_code == 409
    bad = call(client, "PUT", "/program", role="admin", body={**body, "currency": "euro"}, headers={"If-Match": '"1"'})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "currency"
    # A purchase now earns at the new rate
    contact_id = _enrolled(client)
    client.lambda_.invoke("on_event", sqs_event([purchase_recorded(contact_id, "o-1", "10")]))
    assert _member(client, contact_id).json["points_balance"] == 220


def test_tiers_must_rise_from_zero(client: Any) -> None:
    tiers = call(client, "GET", "/tiers", role="agent").json
    assert [t["id"] for t in tiers["tiers"]] == ["bronze", "silver", "gold"]
    ladder = [{"id": "basic", "name": "Basic", "threshold": 100}]
    bad = call(client, "PUT", "/tiers", role="admin", body={"tiers": ladder}, headers={"If-Match": '"0"'})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "tiers"
    ladder = [
        {"id": "basic", "name": "Basic", "threshold": 0},
        {"id": "vip", "name": "VIP", "threshold": 300, "multiplier": 2},
    ]
    put = call(client, "PUT", "/tiers", role="admin", body={"tiers": ladder}, headers={"If-Match": '"0"'})
    assert put.status_code == 200, put.json
    # The next posting moves a member onto the new ladder: 300 earned reaches VIP
    contact_id = _enrolled(client)
    client.lambda_.invoke("on_event", sqs_event([purchase_recorded(contact_id, "o-1", "100")]))
    assert _member(client, contact_id).json["tier"] == "vip"


def test_earning_rules_give_category_bonuses_with_caps(client: Any) -> None:
    rules = call(client, "GET", "/earning-rules", role="marketer").json["items"]
    assert [r["id"] for r in rules] == ["signup", "referral"]
    body = {
        "name": "Double on all",
        "event": "purchase",
        "bonus_per_unit": "1",
        "cap": {"points": 50, "period": "month"},
    }
    created = call(client, "POST", "/earning-rules", role="admin", body=body)
    assert created.status_code == 201
    rule_id = created.json["id"]
    contact_id = _enrolled(client)
    for order in ("a", "b"):
        client.lambda_.invoke("on_event", sqs_event([purchase_recorded(contact_id, order, "40")]))
    # 40 + 40 bonus, then 40 + 10 (the cap's rest)
    assert _member(client, contact_id).json["points_balance"] == 200 + 80 + 50
    bad = call(client, "POST", "/earning-rules", role="admin", body={"name": "x", "event": "purchase"})
    assert bad.status_code == 422
    patched = call(
        client, "PATCH", f"/earning-rules/{rule_id}", role="admin", body={"active": False}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json["active"] is False
    gone = call(client, "DELETE", f"/earning-rules/{rule_id}", role="admin", headers={"If-Match": '"2"'})
    assert gone.status_code == 204
    assert call(client, "GET", f"/earning-rules/{rule_id}", role="admin").status_code == 404
    # The defaults were stored with the first write, and stay
    assert [r["id"] for r in call(client, "GET", "/earning-rules", role="admin").json["items"]] == [
        "signup",
        "referral",
    ]


def test_unknown_member_is_404(client: Any) -> None:
    assert _member(client, "nobody").status_code == 404
    assert _member(client, "nobody", "/ledger").status_code == 404


def test_routes_need_a_token_and_a_role(client: Any) -> None:
    assert client.http.get("/members/x").status_code == 401
    assert call(client, "GET", "/members/x", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert call(client, "GET", "/members/x", role="partner").status_code == 403
    assert call(client, "GET", "/members/x/ledger?limit=0").status_code == 400


def test_query_parameters_are_checked(client: Any) -> None:
    for path, field in [
        ("/members/x/ledger?limit=-1", "limit"),
        ("/members/x/ledger?since=2026-01-01", "since"),
        ("/members/x?limit=1", "limit"),  # a member is not a list
    ]:
        response = call(client, "GET", path)
        assert response.status_code == 400 and [e["field"] for e in response.json["errors"]] == [field], path
