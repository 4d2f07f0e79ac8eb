"""Discount approvals over the API: a two-level chain, the approver's queue, the deal held
while pending, rejection, reminders as schedules."""

from __future__ import annotations

from typing import Any

import boto3

from shared.testing import call, pending_outbox

DEAL = {"contact_id": "c1", "name": "Big", "amount": "10000", "currency": "EUR", "expected_close_date": "2027-02-01"}


def _setup(client: Any) -> None:
    # ann -> her manager mia -> mia's manager vp
    for rep_id, manager in (("vp", None), ("mia", "vp"), ("ann", "mia")):
        body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", "manager_id": manager}
        assert call(client, "POST", "/reps", body).status_code == 201


def _deal(client: Any, discount: str) -> dict[str, Any]:
    response = call(
        client, "POST", "/opportunities", {**DEAL, "discount_percent": discount}, role="sales", subject="ann"
    )
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def _ask(client: Any, opp_id: str) -> Any:
    return call(
        client, "POST", f"/opportunities/{opp_id}/approvals", {"comment": "loyal customer"}, role="sales", subject="ann"
    )


def _win(client: Any, opp_id: str) -> Any:
    etag = call(client, "GET", f"/opportunities/{opp_id}").headers["ETag"]
    return call(client, "PATCH", f"/opportunities/{opp_id}", {"stage": "won"}, headers={"If-Match": etag})


def _decide(client: Any, approval_id: str, who: str, decision: str = "approve") -> Any:
    body = {"decision": decision, "comment": "ok"}
    return call(client, "POST", f"/approvals/{approval_id}/decisions", body, role="manager", subject=who)


def test_a_two_level_chain_holds_the_deal_until_both_approve(client: Any, table: str) -> None:
    _setup(client)
    opp = _deal(client, "30")  # above the second threshold (25%): mia, then vp
    assert _win(client, opp["id"]).status_code == 409  # a 30% discount needs approval first
    asked = _ask(client, opp["id"])
    assert asked.status_code == 201, asked.json
    approval = asked.json
    assert [(s["approver_id"], s["status"]) for s in approval["steps"]] == [("mia", "pending"), ("vp", "waiting")]
    assert _ask(client, opp["id"]).status_code == 409  # one chain at a time
    assert _win(client, opp["id"]).status_code == 409  # pending
    # mia's queue has it, vp's not yet; vp cannot decide mia's step
    assert [a["id"] for a in call(client, "GET", "/approvals?mine=1", role="manager", subject="mia").json["items"]] == [
        approval["id"]
    ]
    assert call(client, "GET", "/approvals?mine=1", role="manager", subject="vp").json["items"] == []
    assert _decide(client, approval["id"], "vp").status_code == 403
    first = _decide(client, approval["id"], "mia")
    assert first.status_code == 200 and first.json["status"] == "pending"
    assert call(client, "GET", "/approvals?mine=1", role="manager", subject="mia").json["items"] == []
    assert _win(client, opp["id"]).status_code == 409
    final = _decide(client, approval["id"], "vp")
    assert final.status_code == 200 and final.json["status"] == "approved"
    assert all(s["decided_at"] and s["requested_at"] for s in final.json["steps"])
    assert _decide(client, approval["id"], "vp").status_code == 409  # over
    assert _win(client, opp["id"]).status_code == 200
    events = [
        (e.detail_type, e.detail["data"].get("level")) for e in pending_outbox(table) if "Approval" in e.detail_type
    ]
    assert events == [
        ("ApprovalRequested", 1),
        ("ApprovalDecided", 1),
        ("ApprovalRequested", 2),
        ("ApprovalDecided", 2),
    ]
    schedules = boto3.client("scheduler", region_name="us-east-1").list_schedules(GroupName="crm-dev-pipeline")
    assert len(schedules["Schedules"]) == 2  # a reminder per step


def test_a_rejection_ends_the_chain_and_small_discounts_need_none(client: Any) -> None:
    _setup(client)
    small = _deal(client, "5")
    response = _ask(client, small["id"])
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "discount_percent"
    opp = _deal(client, "15")  # one level: mia
    approval = _ask(client, opp["id"]).json
    assert [s["approver_id"] for s in approval["steps"]] == ["mia"]
    rejected = _decide(client, approval["id"], "mia", "reject")
    assert rejected.json["status"] == "rejected"
    assert _win(client, opp["id"]).status_code == 409  # still not approved
    assert call(client, "GET", f"/approvals/{approval['id']}", role="sales", subject="bob").status_code == 404
