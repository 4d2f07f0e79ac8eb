"""Opportunities over the API (chalice test client + moto): stages, deals with If-Match,
won and lost, history, reach, and the board against a hand-computed fixture."""

from __future__ import annotations

from typing import Any

from shared.testing import call, pending_outbox

DEAL = {
    "contact_id": "c1",
    "name": "Engines",
    "amount": "1000.50",
    "currency": "eur",
    "expected_close_date": "2027-01-15",
}


def _reps(client: Any) -> None:
    call(client, "POST", "/teams", {"id": "north", "name": "North", "manager_id": "mia"})
    for rep_id, team in (("ann", "north"), ("bob", "north"), ("cy", None)):
        body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", "team_id": team}
        assert call(client, "POST", "/reps", body, role="admin").status_code == 201


def _deal(client: Any, owner: str = "ann", **extra: Any) -> dict[str, Any]:
    response = call(client, "POST", "/opportunities", {**DEAL, **extra}, role="sales", subject=owner)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def _patch(client: Any, opp_id: str, body: dict[str, Any], version: Any = None, role: str = "admin", **kw: Any) -> Any:
    etag = version or call(client, "GET", f"/opportunities/{opp_id}").headers["ETag"]
    return call(client, "PATCH", f"/opportunities/{opp_id}", body, role=role, headers={"If-Match": etag}, **kw)


def test_default_stages_and_an_admin_replaces_them(client: Any) -> None:
    got = call(client, "GET", "/stages", role="sales")
    assert got.headers["ETag"] == '"0"' and [s["id"] for s in got.json["stages"]][-2:] == ["won", "lost"]
    stages = [
        {"id": "new", "name": "New", "probability": 20, "forecast_category": "pipeline"},
        {"id": "won", "name": "Won", "probability": 100, "forecast_category": "closed"},
        {"id": "lost", "name": "Lost", "probability": 0, "forecast_category": "closed"},
    ]
    assert call(client, "PUT", "/stages", {"stages": stages}, headers={"If-Match": '"0"'}).status_code == 200
    assert call(client, "PUT", "/stages", {"stages": stages}, headers={"If-Match": '"0"'}).status_code == 409
    no_won = call(client, "PUT", "/stages", {"stages": [stages[0], stages[2], stages[0]]}, headers={"If-Match": '"1"'})
    assert no_won.status_code == 422 and no_won.json["errors"][0]["field"] == "stages"
    assert (
        call(client, "PUT", "/stages", {"stages": stages}, role="manager", headers={"If-Match": '"1"'}).status_code
        == 403
    )


def test_a_deal_is_created_moved_with_if_match_and_won(client: Any, table: str) -> None:
    _reps(client)
    opp = _deal(client)
    assert (opp["owner_id"], opp["team_id"], opp["stage"], opp["probability"], opp["currency"]) == (
        "ann",
        "north",
        "prospecting",
        10,
        "EUR",
    )
    path = f"/opportunities/{opp['id']}"
    assert call(client, "PATCH", path, {"stage": "proposal"}).status_code == 428
    moved = _patch(client, opp["id"], {"stage": "proposal"}, '"1"', role="sales", subject="ann")
    assert moved.status_code == 200 and moved.json["forecast_category"] == "best_case"
    assert _patch(client, opp["id"], {"stage": "negotiation"}, '"1"').status_code == 409  # stale
    won = _patch(client, opp["id"], {"stage": "won"}, '"2"')
    assert won.status_code == 200 and won.json["status"] == "won" and won.json["won_at"]
    assert _patch(client, opp["id"], {"name": "again"}).status_code == 409  # closed
    types = [e.detail_type for e in pending_outbox(table) if e.detail_type.startswith("Opportunity")]
    assert types == ["OpportunityCreated", "OpportunityStageChanged", "OpportunityWon"]
    history = call(client, "GET", f"{path}/history").json["items"]
    assert [h["kind"] for h in history] == ["created", "changed", "won"]
    assert history[1]["by"] == "ann" and history[1]["changes"][0] == {
        "field": "stage",
        "old": "prospecting",
        "new": "proposal",
    }


def test_losing_needs_a_reason_and_owners_change_only_by_managers(client: Any) -> None:
    _reps(client)
    opp = _deal(client)
    no_reason = _patch(client, opp["id"], {"stage": "lost"})
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["field"] == "lost_reason"
    mine = _patch(client, opp["id"], {"owner_id": "bob"}, role="sales", subject="ann")
    assert mine.status_code == 403 and mine.json["errors"][0]["field"] == "owner_id"
    assert _patch(client, opp["id"], {"owner_id": "bob"}, role="manager", subject="mia").status_code == 200
    assert _patch(client, opp["id"], {"owner_id": "cy"}, role="manager", subject="mia").status_code == 422  # not hers
    lost = _patch(client, opp["id"], {"stage": "lost", "lost_reason": "price"})
    assert lost.json["status"] == "lost" and lost.json["lost_reason"] == "price"
    assert (
        call(client, "POST", "/opportunities", {**DEAL, "owner_id": "bob"}, role="sales", subject="ann").status_code
        == 403
    )
    assert call(client, "POST", "/opportunities", {**DEAL, "stage": "won"}).status_code == 422


def test_reach_a_rep_sees_only_their_own_and_a_manager_their_team(client: Any) -> None:
    _reps(client)
    ann, cy = _deal(client, "ann"), _deal(client, "cy")
    assert call(client, "GET", f"/opportunities/{ann['id']}", role="sales", subject="bob").status_code == 404
    missing = call(client, "GET", "/opportunities/nope", role="sales", subject="bob")
    hidden = call(client, "GET", f"/opportunities/{ann['id']}", role="sales", subject="bob")
    assert hidden.json["detail"].replace(ann["id"], "X") == missing.json["detail"].replace("nope", "X")
    assert _patch(client, ann["id"], {"name": "x"}, '"1"', role="sales", subject="bob").status_code == 404
    team = call(client, "GET", "/opportunities", role="manager", subject="mia").json["items"]
    assert [o["id"] for o in team] == [ann["id"]]
    everything = call(client, "GET", "/opportunities?limit=1").json
    second = call(client, "GET", f"/opportunities?limit=1&cursor={everything['next_cursor']}").json
    assert {o["id"] for o in everything["items"] + second["items"]} == {ann["id"], cy["id"]}


def test_filters_by_stage_and_close_date(client: Any) -> None:
    _reps(client)
    early = _deal(client, expected_close_date="2027-01-10")
    late = _deal(client, expected_close_date="2027-03-10", stage="proposal")
    by_stage = call(client, "GET", "/opportunities?stage=proposal").json["items"]
    by_date = call(client, "GET", "/opportunities?close_from=2027-01-01&close_to=2027-01-31").json["items"]
    assert [o["id"] for o in by_stage] == [late["id"]] and [o["id"] for o in by_date] == [early["id"]]


def test_the_board_equals_a_hand_computed_fixture(client: Any) -> None:
    # Given: ann 1000 + 3000 in prospecting (10%), bob 2000 in proposal (50%), cy 500 won
    _reps(client)
    _deal(client, "ann", amount="1000")
    _deal(client, "ann", amount="3000")
    _deal(client, "bob", amount="2000", stage="proposal")
    won = _deal(client, "cy", amount="500")
    _patch(client, won["id"], {"stage": "won"})
    # Then (admin): counts, sums and weighted sums per stage, in stage order
    columns = {c["stage"]: c for c in call(client, "GET", "/board").json["columns"]}
    assert list(columns) == ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]
    expected = {"prospecting": (2, "4000", "400"), "proposal": (1, "2000", "1000"), "won": (1, "500", "500")}
    for stage, (count, amount, weighted) in expected.items():
        column = columns[stage]
        assert (column["count"], column["amount"], column["weighted_amount"]) == (count, amount, weighted), column
        assert len(column["cards"]) == count
    assert columns["qualification"]["count"] == 0 and columns["qualification"]["cards"] == []
    # A manager sees their team's (ann and bob) only; one stage pages its cards
    team = {
        c["stage"]: c["count"] for c in call(client, "GET", "/board", role="manager", subject="mia").json["columns"]
    }
    assert (team["prospecting"], team["proposal"], team["won"]) == (2, 1, 0)
    page = call(client, "GET", "/board?stage=prospecting&limit=1").json["columns"]
    assert len(page) == 1 and len(page[0]["cards"]) == 1 and page[0]["next_cursor"]
    rest = call(client, "GET", f"/board?stage=prospecting&limit=1&cursor={page[0]['next_cursor']}").json["columns"][0]
    assert len(rest["cards"]) == 1 and rest["cards"][0]["id"] != page[0]["cards"][0]["id"]
