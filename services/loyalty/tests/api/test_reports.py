"""GET /reports against moto: loyalty's own events (its outbox) counted once each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.sample_events import lead_created, purchase_recorded
from shared.testing import call, failed_ids, pending_outbox, sqs_event


def _deliver(client: Any, events: list[Any]) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def test_enrolment_and_purchase_add_up_and_a_redelivery_counts_once(client: Any, table: str) -> None:
    # Given a member enrolled by a lead, and a purchase
    lead = lead_created()
    contact_id = lead.detail["data"]["contact_id"]
    _deliver(client, [lead])
    _deliver(client, [purchase_recorded(contact_id, "o-1", "100.00")])
    # When loyalty's own events reach its queue, one of them twice, then all of them again
    own = pending_outbox(table)
    assert sorted(e.detail_type for e in own) == ["MemberEnrolled", "PointsAccrued", "PointsAccrued"]
    _deliver(client, [*own, own[0]])
    _deliver(client, own)
    # Then each is counted once
    today = datetime.now(UTC).date().isoformat()
    response = call(client, "GET", f"/reports?from={today}&to={today}", role="marketer")
    assert response.status_code == 200, response.json
    report = response.json
    assert report["points_earned"] == 300 and report["points_redeemed"] == 0
    assert report["liability"] == {"points": 300, "money": "3.00", "currency": "EUR"}
    assert report["redemption_rate"] == "0.0000"
    assert report["members_enrolled"] == 1 and report["active_members"] == 1
    assert report["tiers"] == {"bronze": 1}
    assert report["coupons"] == {"issued": 0, "redeemed": 0} and report["top_rewards"] == []


def test_nothing_earned_has_no_rate(client: Any) -> None:
    report = call(client, "GET", "/reports", role="admin").json
    assert report["points_earned"] == 0 and report["redemption_rate"] is None


def test_roles_without_need_are_refused(client: Any) -> None:
    for role in ("sales", "agent", "manager", "partner"):
        assert call(client, "GET", "/reports", role=role).status_code == 403, role


def test_a_range_out_of_order_or_too_long_names_the_field(client: Any) -> None:
    backwards = call(client, "GET", "/reports?from=2026-03-02&to=2026-03-01", role="admin")
    assert backwards.status_code == 400 and backwards.json["errors"][0]["field"] == "to"
    long = call(client, "GET", "/reports?from=2025-01-01&to=2026-03-01", role="admin")
    assert long.status_code == 400 and long.json["errors"][0]["field"] == "from"
    assert call(client, "GET", "/reports?from=yesterday", role="admin").status_code == 400
