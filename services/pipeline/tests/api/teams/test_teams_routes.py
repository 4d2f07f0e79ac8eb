"""Teams and reps over the API (chalice test client + moto): create, read, change with If-Match, reach."""

from __future__ import annotations

from typing import Any

from shared.sample_events import lead_created
from shared.testing import call, failed_ids, pending_outbox, sqs_event

HOURS = {"timezone": "Asia/Shanghai", "days": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}}


def _team(client: Any, team_id: str, manager_id: str | None = None) -> dict[str, Any]:
    response = call(client, "POST", "/teams", {"id": team_id, "name": team_id.upper(), "manager_id": manager_id})
    assert response.status_code == 201, response.body
    return response.json


def _rep(client: Any, rep_id: str, **extra: Any) -> Any:
    body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", **extra}
    return call(client, "POST", "/reps", body, role="manager")


def _published(table: str, detail_type: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == detail_type]


def test_a_team_and_a_rep_with_every_field(client: Any, table: str) -> None:
    _team(client, "apac", manager_id="mia")
    rep = _rep(
        client,
        "sub-123",
        team_id="apac",
        territories=["cn-gd", "SG"],
        skills=["enterprise"],
        languages=["zh", "EN"],
        capacity=5,
        working_hours=HOURS,
        manager_id="mia",
    )
    assert rep.status_code == 201, rep.body
    assert rep.headers["ETag"] == '"1"' and rep.headers["Location"] == "/pipeline/reps/sub-123"
    got = call(client, "GET", "/reps/sub-123", role="sales", subject="sub-123")
    assert got.status_code == 200
    assert (got.json["territories"], got.json["languages"], got.json["open_leads"]) == (
        ["CN-GD", "SG"],
        ["zh", "en"],
        0,
    )
    assert got.json["working_hours"] == HOURS
    assert _published(table, "TeamCreated") == [{"team_id": "apac", "name": "APAC", "manager_id": "mia"}]
    assert _published(table, "RepAdded")[0]["team_id"] == "apac"
    teams = call(client, "GET", "/teams", role="agent").json
    assert [t["id"] for t in teams["items"]] == ["apac"]


def test_bad_reps_are_refused_with_the_field_at_fault(client: Any) -> None:
    cases = [
        ({"territories": ["Germany"]}, "territories.0"),
        ({"working_hours": {"timezone": "Mars/Olympus"}}, "working_hours.timezone"),
        ({"working_hours": {"days": {"mon": [["18:00", "09:00"]]}}}, "working_hours.days"),
        ({"working_hours": {"days": {"funday": [["09:00", "10:00"]]}}}, "working_hours.days"),
        ({"open_leads": 3}, "open_leads"),
        ({"capacity": 0}, "capacity"),
    ]
    for extra, field in cases:
        response = _rep(client, "r1", **extra)
        assert response.status_code in (400, 422), (extra, response.body)
        assert field in [e["field"] for e in response.json["errors"]], (extra, response.json)
    unknown_team = _rep(client, "r1", team_id="nope")
    assert unknown_team.status_code == 422 and unknown_team.json["errors"][0]["field"] == "team_id"
    assert _rep(client, "r1").status_code == 201
    assert _rep(client, "r1").status_code == 409  # an id is taken once


def test_patch_needs_if_match_and_refuses_stale_versions(client: Any, table: str) -> None:
    _rep(client, "ann")
    assert call(client, "PATCH", "/reps/ann", {"capacity": 3}).status_code == 428
    done = call(client, "PATCH", "/reps/ann", {"capacity": 3, "status": "away"}, headers={"If-Match": '"1"'})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"'
    assert (done.json["capacity"], done.json["status"], done.json["active"]) == (3, "away", False)
    stale = call(client, "PATCH", "/reps/ann", {"capacity": 4}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    [updated] = _published(table, "RepUpdated")
    assert (updated["changed"], updated["status"], updated["previous_status"]) == (
        ["capacity", "status"],
        "away",
        "active",
    )


def test_a_sales_rep_may_set_only_their_own_status(client: Any) -> None:
    _rep(client, "ann")
    _rep(client, "bob")
    mine = call(
        client, "PATCH", "/reps/ann", {"status": "away"}, role="sales", subject="ann", headers={"If-Match": "1"}
    )
    assert mine.status_code == 200
    more = call(client, "PATCH", "/reps/ann", {"capacity": 99}, role="sales", subject="ann", headers={"If-Match": "2"})
    assert more.status_code == 403
    other = call(
        client, "PATCH", "/reps/bob", {"status": "away"}, role="sales", subject="ann", headers={"If-Match": "1"}
    )
    missing = call(
        client, "PATCH", "/reps/zed", {"status": "away"}, role="sales", subject="ann", headers={"If-Match": "1"}
    )
    assert other.status_code == missing.status_code == 404
    assert other.json["detail"].replace("bob", "X") == missing.json["detail"].replace("zed", "X")


def test_a_manager_reaches_the_leads_of_their_team_only(client: Any) -> None:
    _team(client, "emea", manager_id="mia")
    _rep(client, "ann", team_id="emea")
    _rep(client, "bob")
    events = [lead_created() for _ in range(2)]
    for event in events:  # round robin: ann then bob
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    ids = [e.detail["data"]["contact_id"] for e in events]
    owners = [call(client, "GET", f"/leads/{i}").json["owner_id"] for i in ids]
    assert owners == ["ann", "bob"]
    assert call(client, "GET", f"/leads/{ids[0]}", role="manager", subject="mia").status_code == 200
    assert call(client, "GET", f"/leads/{ids[1]}", role="manager", subject="mia").status_code == 404
    assert call(client, "GET", f"/leads/{ids[0]}", role="sales", subject="ann").status_code == 200
    assert call(client, "GET", f"/leads/{ids[1]}", role="sales", subject="ann").status_code == 404
