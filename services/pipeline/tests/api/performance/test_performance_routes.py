"""Performance per rep and team, kept from pipeline's own events, against a fixture."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.sample_events import lead_created
from shared.testing import call, failed_ids, pending_outbox, sqs_event


def _deliver(client: Any, events: list[Any]) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _own(table: str, *types: str) -> list[Any]:
    return [e for e in pending_outbox(table) if e.detail_type in types]


def test_leads_conversions_and_won_deals_are_counted_once_with_quota_attainment(client: Any, table: str) -> None:
    call(client, "POST", "/teams", {"id": "north", "name": "North"})
    call(client, "POST", "/reps", {"id": "ann", "name": "Ann", "email": "ann@example.com", "team_id": "north"})
    month = datetime.now(UTC).strftime("%Y-%m")
    assert call(client, "PUT", "/quotas", {"rep_id": "ann", "month": month, "amount": "1000"}).status_code == 200
    assert call(client, "PUT", "/quotas", {"rep_id": "x", "month": month, "amount": "1"}).status_code == 422
    # Two leads for ann; one converted; a deal of 400 won, one lost
    leads = [lead_created(), lead_created()]
    _deliver(client, leads)
    cid = leads[0].detail["data"]["contact_id"]
    etag = call(client, "GET", f"/leads/{cid}").headers["ETag"]
    assert (
        call(client, "PATCH", f"/leads/{cid}", {"status": "converted"}, headers={"If-Match": etag}).status_code == 200
    )
    deal = {"contact_id": cid, "name": "d", "amount": "400", "currency": "EUR", "expected_close_date": "2027-01-01"}
    for stage, extra in (("won", {}), ("lost", {"lost_reason": "price"})):
        opp = call(client, "POST", "/opportunities", deal, role="sales", subject="ann").json
        moved = call(
            client, "PATCH", f"/opportunities/{opp['id']}", {"stage": stage, **extra}, headers={"If-Match": '"1"'}
        )
        assert moved.status_code == 200, moved.json
    counted = _own(table, "LeadAssigned", "LeadStatusChanged", "OpportunityWon", "OpportunityLost")
    _deliver(client, counted)
    _deliver(client, counted)  # a redelivery counts nothing
    today = datetime.now(UTC).date().isoformat()
    report = call(client, "GET", f"/reports/performance?from={today}&to={today}").json
    [ann] = report["reps"]
    assert (ann["group"], ann["leads_received"], ann["conversion_rate"]) == ("ann", 2, 0.5)
    assert (ann["opportunities_won"], ann["opportunities_lost"], ann["win_rate"]) == (1, 1, 0.5)
    assert (ann["won_revenue"], ann["average_deal_size"], ann["quota"], ann["quota_attainment"]) == (
        "400",
        "400",
        "1000",
        0.4,
    )
    assert ann["median_hours_to_first_contact"] is not None
    assert [t["group"] for t in report["teams"]] == ["north"]
