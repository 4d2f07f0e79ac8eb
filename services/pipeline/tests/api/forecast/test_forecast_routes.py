"""The forecast over the API against a hand-computed fixture, by rep and by team."""

from __future__ import annotations

from typing import Any

from shared.testing import call


def _setup(client: Any) -> None:
    call(client, "POST", "/teams", {"id": "north", "name": "North", "manager_id": "mia"})
    for rep_id, team in (("ann", "north"), ("bob", "north"), ("cy", None)):
        call(client, "POST", "/reps", {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", "team_id": team})


def _deal(client: Any, owner: str, amount: str, month: str, stage: str) -> str:
    body = {"contact_id": "c", "name": "d", "amount": amount, "currency": "EUR", "expected_close_date": f"{month}-15"}
    response = call(client, "POST", "/opportunities", {**body, "stage": stage}, role="sales", subject=owner)
    assert response.status_code == 201, response.json
    return str(response.json["id"])


def test_the_forecast_equals_a_hand_computed_fixture(client: Any) -> None:
    # Given, closing in January: ann 1000 prospecting (10%), ann 2000 proposal (50%, best case),
    # bob 4000 negotiation (75%, commit); in February: cy 800 negotiation; and bob won 300
    _setup(client)
    _deal(client, "ann", "1000", "2027-01", "prospecting")
    _deal(client, "ann", "2000", "2027-01", "proposal")
    _deal(client, "bob", "4000", "2027-01", "negotiation")
    _deal(client, "cy", "800", "2027-02", "negotiation")
    won = _deal(client, "bob", "300", "2027-01", "proposal")
    call(client, "PATCH", f"/opportunities/{won}", {"stage": "won"}, headers={"If-Match": '"1"'})
    # When the forecast for the months it was won in and the next two is read, by team
    from datetime import UTC, datetime

    month = datetime.now(UTC).strftime("%Y-%m")
    by_team = call(client, "GET", "/forecast?from=2026-01-01&to=2027-02-28&group_by=team").json
    rows = {(r["group"], r["month"]): r for r in by_team["rows"]}
    north = rows[("north", "2027-01")]
    assert (north["pipeline"], north["weighted"], north["best_case"], north["commit"]) == (
        "7000",
        "4100",
        "6000",
        "4000",
    )
    assert rows[(None, "2027-02")]["commit"] == "800" and rows[(None, "2027-02")]["weighted"] == "600"
    assert rows[("north", month)]["won"] == "300"
    total = by_team["total"]
    assert (total["pipeline"], total["weighted"], total["won"], total["open_deals"]) == ("7800", "4700", "300", 4)
    # By rep, within a manager's reach (her team only)
    mine = call(client, "GET", "/forecast?from=2027-01-01&to=2027-01-31", role="manager", subject="mia").json
    assert {(r["group"], r["pipeline"]) for r in mine["rows"]} == {("ann", "3000"), ("bob", "4000")}


def test_a_bad_range_names_the_field(client: Any) -> None:
    response = call(client, "GET", "/forecast?from=2027-02-01&to=2027-01-01")
    assert response.status_code in (400, 422) and response.json["errors"][0]["field"] == "to"
    assert call(client, "GET", "/forecast?to=2027-01-01").status_code in (400, 422)
