"""Loyalty routes and consumer against moto's in-process AWS (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.events import EventMetadata
from shared.testing import call, failed_ids, failed_positions, lead_created, pending_outbox, sqs_event


def _member(client: Any, contact_id: str, suffix: str = "") -> Any:
    return call(client, "GET", f"/members/{contact_id}{suffix}", role="marketer")


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
    assert set(member) == {"contact_id", "points_balance", "lifetime_points", "tier", "enrolled_at"}
    entries = _member(client, contact_id, "/ledger").json["items"]
    assert [(e["entry_id"], e["points"], e["reason"]) for e in entries] == [(event.event_id, 200, "signup")]
    assert sorted(e.detail_type for e in pending_outbox(table)) == ["MemberEnrolled", "PointsAccrued"]


def test_poison_records_fail_alone(client: Any) -> None:
    good, broken = lead_created(), lead_created()
    broken.detail["metadata"].pop("event_id")
    assert failed_positions(client, [broken, good, '{"detail-type": "LeadCreated"}']) == [0, 2]
    assert _member(client, good.detail["data"]["contact_id"]).status_code == 200


def test_ledger_is_paginated_newest_first(client: Any) -> None:
    # Given a member with the sign-up credit and two purchases
    from loyalty.repository import LoyaltyRepository
    from loyalty.usecases import accrue_points

    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    client.lambda_.invoke("on_event", sqs_event([event]))
    for points in (300, 600):
        cause_id = str(uuid.uuid4())
        cause = EventMetadata(
            event_id=cause_id, event_version=1, occurred_at=datetime.now(UTC), correlation_id=cause_id
        )
        accrue_points(contact_id, points, "purchase", cause, LoyaltyRepository())
    # When the ledger is read two entries at a time
    first = _member(client, contact_id, "/ledger?limit=2").json
    second = _member(client, contact_id, f"/ledger?limit=2&cursor={first['next_cursor']}").json
    # Then entries come newest first, with their running balance, and the tier moved to silver
    entries = first["items"] + second["items"]
    assert [(e["points"], e["balance_after"]) for e in entries] == [(600, 1100), (300, 500), (200, 200)]
    assert _member(client, contact_id).json["tier"] == "silver"


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
