"""Deals end to end, over HTTP through the running stack: If-Match on a stage move, the
board and forecast against a hand-computed fixture, a two-level approval chain, reach, and
a won deal making its contact a customer in contacts (through the bus).

Each test works in a team of its own under a manager of its own, and reads the board and
forecast as that manager: the numbers are the fixture's alone whatever else the stack holds.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import eventually, get, headers, new_lead

pytestmark = pytest.mark.e2e


def call(stack: Any, method: str, path: str, body: Any = None, role: str = "admin", **extra: str) -> Any:
    sent = {**headers(stack, role, extra.pop("subject", None)), **extra}
    return stack.session.request(method, f"{stack.url}/pipeline{path}", json=body, headers=sent)


def team(stack: Any) -> tuple[str, str, str, str]:
    """A manager (with a director above) and two reps: (manager, director, rep a, rep b)."""
    tag = uuid.uuid4().hex[:8]
    director, manager, a, b = (f"{name}-{tag}" for name in ("dir", "mgr", "ann", "bob"))
    assert call(stack, "POST", "/teams", {"id": f"t-{tag}", "name": tag, "manager_id": manager}).status_code == 201
    for rep_id, boss, team_id in (
        (director, None, None),
        (manager, director, None),
        (a, None, f"t-{tag}"),
        (b, None, f"t-{tag}"),
    ):
        body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", "manager_id": boss, "team_id": team_id}
        assert call(stack, "POST", "/reps", body).status_code == 201
    return manager, director, a, b


def deal(stack: Any, owner: str, amount: str, stage: str, close: str = "2031-03-15", **extra: Any) -> dict[str, Any]:
    body = {"contact_id": extra.pop("contact_id", "c-e2e"), "name": "Deal", "amount": amount, "currency": "EUR"}
    body |= {"expected_close_date": close, "stage": stage, **extra}
    response = call(stack, "POST", "/opportunities", body, role="sales", subject=owner)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def patch(stack: Any, opp_id: str, body: dict[str, Any], etag: str | None = None, **who: str) -> Any:
    etag = etag or call(stack, "GET", f"/opportunities/{opp_id}").headers["ETag"]
    return call(stack, "PATCH", f"/opportunities/{opp_id}", body, **{"If-Match": etag, **who})


def test_a_stale_stage_move_is_refused_and_reach_hides_other_reps_deals(pipeline_stack: Any) -> None:
    _, _, ann, bob = team(pipeline_stack)
    opp = deal(pipeline_stack, ann, "100", "prospecting")
    read = call(pipeline_stack, "GET", f"/opportunities/{opp['id']}", role="sales", subject=ann)
    assert patch(pipeline_stack, opp["id"], {"stage": "proposal"}, read.headers["ETag"]).status_code == 200
    stale = patch(pipeline_stack, opp["id"], {"stage": "negotiation"}, read.headers["ETag"])
    assert stale.status_code == 409, stale.text
    assert call(pipeline_stack, "PATCH", f"/opportunities/{opp['id']}", {"stage": "won"}).status_code == 428
    # bob's token on ann's deal: exactly what a missing deal answers
    theirs = call(pipeline_stack, "GET", f"/opportunities/{opp['id']}", role="sales", subject=bob)
    missing = call(pipeline_stack, "GET", "/opportunities/does-not-exist", role="sales", subject=bob)
    assert theirs.status_code == missing.status_code == 404
    assert patch(pipeline_stack, opp["id"], {"name": "mine"}, '"2"', role="sales", subject=bob).status_code == 404


def test_board_and_forecast_equal_a_hand_computed_fixture(pipeline_stack: Any) -> None:
    manager, _, ann, bob = team(pipeline_stack)
    # ann: 1000 prospecting (10%) and 3000 proposal (50%, best case) closing March 2031;
    # bob: 2000 negotiation (75%, commit) closing April 2031, and 500 won
    deal(pipeline_stack, ann, "1000", "prospecting")
    deal(pipeline_stack, ann, "3000", "proposal")
    deal(pipeline_stack, bob, "2000", "negotiation", close="2031-04-10")
    won = deal(pipeline_stack, bob, "500", "proposal")
    assert patch(pipeline_stack, won["id"], {"stage": "won"}).status_code == 200
    board = call(pipeline_stack, "GET", "/board", role="manager", subject=manager).json()
    columns = {c["stage"]: (c["count"], c["amount"], c["weighted_amount"]) for c in board["columns"]}
    assert columns == {
        "prospecting": (1, "1000", "100"),
        "qualification": (0, "0", "0"),
        "proposal": (1, "3000", "1500"),
        "negotiation": (1, "2000", "1500"),
        "won": (1, "500", "500"),
        "lost": (0, "0", "0"),
    }
    query = "/forecast?from=2031-03-01&to=2031-04-30&group_by=team"
    forecast = call(pipeline_stack, "GET", query, role="manager", subject=manager).json()
    rows = {r["month"]: (r["pipeline"], r["weighted"], r["best_case"], r["commit"]) for r in forecast["rows"]}
    assert rows == {"2031-03": ("4000", "1600", "3000", "0"), "2031-04": ("2000", "1500", "2000", "2000")}


def test_an_approval_chain_of_two_levels_then_the_won_deal_makes_a_customer(pipeline_stack: Any) -> None:
    manager, director, ann, _ = team(pipeline_stack)
    contact = new_lead(pipeline_stack)
    opp = deal(pipeline_stack, ann, "9000", "negotiation", contact_id=contact["id"], discount_percent="30")
    assert patch(pipeline_stack, opp["id"], {"stage": "won"}).status_code == 409  # needs approval
    asked = call(pipeline_stack, "POST", f"/opportunities/{opp['id']}/approvals", {}, role="sales", subject=ann)
    assert asked.status_code == 201, asked.text
    approval = asked.json()
    assert [s["approver_id"] for s in approval["steps"]] == [manager, director]
    decide = f"/approvals/{approval['id']}/decisions"
    for approver, status in ((manager, "pending"), (director, "approved")):
        queue = call(pipeline_stack, "GET", "/approvals?mine=1", role="manager", subject=approver).json()["items"]
        assert approval["id"] in [a["id"] for a in queue]
        decided = call(pipeline_stack, "POST", decide, {"decision": "approve"}, role="manager", subject=approver)
        assert decided.status_code == 200 and decided.json()["status"] == status, decided.text
    assert patch(pipeline_stack, opp["id"], {"stage": "won"}).status_code == 200
    # contacts hears OpportunityWon and makes the contact a customer
    assert eventually(
        lambda: (get(pipeline_stack, f"/contacts/{contact['id']}") or {}).get("lifecycle_stage") == "customer"
    )
