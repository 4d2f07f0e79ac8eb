"""Lead follow-up over the API (chalice test client + moto): the status machine, the
first-contact deadline (a real schedule in moto's Scheduler), the missed deadline once,
and the first contact by a completed task."""

from __future__ import annotations

import json
from typing import Any

import boto3

from shared.sample_events import lead_created
from shared.testing import call, failed_ids, pending_outbox, sqs_event

GROUP = "crm-dev-pipeline"


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def _published(table: str, detail_type: str) -> list[Any]:
    return [e for e in pending_outbox(table) if e.detail_type == detail_type]


def _schedules() -> list[dict[str, Any]]:
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    return [scheduler.get_schedule(Name=n, GroupName=GROUP) for n in names]


def _setup(client: Any, table: str, hours: float = 24, reassign: bool = False, reps: tuple[str, ...] = ("ann",)) -> str:
    """Reps (working around the clock), a rule with a first-contact deadline, one lead
    assigned and its LeadAssigned handled (the deadline planned). Returns the lead's id."""
    for rep_id in reps:
        body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", "manager_id": "mia"}
        assert call(client, "POST", "/reps", body, role="manager").status_code == 201
    rule = {"name": "All", "position": 1, "strategy": "round_robin", "first_contact_hours": hours}
    assert call(client, "POST", "/assignment-rules", {**rule, "reassign_on_miss": reassign}).status_code == 201
    lead = lead_created()
    _deliver(client, lead)
    _deliver(client, *_published(table, "LeadAssigned"))
    return str(lead.detail["data"]["contact_id"])


def _patch(client: Any, contact_id: str, body: dict[str, Any], role: str = "admin", **kw: Any) -> Any:
    etag = call(client, "GET", f"/leads/{contact_id}").headers["ETag"]
    return call(client, "PATCH", f"/leads/{contact_id}", body, role=role, headers={"If-Match": etag}, **kw)


def test_the_deadline_is_scheduled_and_the_first_contact_cancels_it(client: Any, table: str) -> None:
    cid = _setup(client, table)
    lead = call(client, "GET", f"/leads/{cid}").json
    assert lead["first_contact_due"] is not None
    [schedule] = _schedules()
    fired = json.loads(schedule["Target"]["Input"])
    assert schedule["Target"]["EventBridgeParameters"]["DetailType"] == "LeadFirstContactDue"
    assert fired["data"]["contact_id"] == cid and fired["data"]["owner_id"] == "ann"
    # When the owner marks the lead contacted
    changed = _patch(client, cid, {"status": "contacted"}, role="sales", subject="ann")
    # Then the schedule is gone, the contact time kept, LeadStatusChanged published
    assert changed.status_code == 200, changed.json
    assert changed.json["status"] == "contacted" and changed.json["first_contacted_at"]
    assert _schedules() == []
    [event] = _published(table, "LeadStatusChanged")
    assert (event.detail["data"]["previous_status"], event.detail["data"]["status"]) == ("new", "contacted")


def test_the_status_only_moves_forward_and_disqualifying_needs_a_reason(client: Any, table: str) -> None:
    cid = _setup(client, table)
    path = f"/leads/{cid}"
    assert call(client, "PATCH", path, {"status": "qualified"}).status_code == 428
    stale = call(client, "PATCH", path, {"status": "qualified"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 409
    assert _patch(client, cid, {"status": "qualified"}).status_code == 200
    assert _patch(client, cid, {"status": "contacted"}).status_code == 409  # backwards
    no_reason = _patch(client, cid, {"status": "disqualified"})
    assert no_reason.status_code == 422 and [e["field"] for e in no_reason.json["errors"]] == ["reason"]
    assert _patch(client, cid, {"owner_id": "bob", "status": "converted"}).status_code == 422  # no mass assignment
    done = _patch(client, cid, {"status": "disqualified", "reason": "no budget"})
    assert done.status_code == 200 and done.json["disqualify_reason"] == "no budget"
    assert _patch(client, cid, {"status": "converted"}).status_code == 409  # closed stays closed


def test_a_rep_changes_only_their_own_leads(client: Any, table: str) -> None:
    cid = _setup(client, table)
    assert _patch(client, cid, {"status": "contacted"}, role="sales", subject="bob").status_code == 404
    assert _patch(client, cid, {"status": "contacted"}, role="marketer").status_code == 403


def test_closing_a_lead_frees_its_slot_and_drains_the_queue(client: Any, table: str) -> None:
    # Given ann with room for one lead, which she has, and a second lead waiting
    assert (
        call(client, "POST", "/reps", {"id": "ann", "name": "A", "email": "a@example.com", "capacity": 1}).status_code
        == 201
    )
    first, second = lead_created(), lead_created()
    _deliver(client, first, second)
    waiting = second.detail["data"]["contact_id"]
    assert call(client, "GET", f"/leads/{waiting}").json["assignment"] == "unassigned"
    # When ann converts the first lead and LeadStatusChanged is handled
    assert _patch(client, first.detail["data"]["contact_id"], {"status": "converted"}).status_code == 200
    _deliver(client, *_published(table, "LeadStatusChanged"))
    # Then the waiting lead is hers
    assert call(client, "GET", f"/leads/{waiting}").json["owner_id"] == "ann"
    assert call(client, "GET", "/reps/ann").json["open_leads"] == 1


def _fire(client: Any) -> None:
    """What Scheduler does at the due time: put the schedule's event on the bus (here: the
    consumer's queue), twice (a retried delivery)."""
    from shared.events import Outgoing

    [schedule] = _schedules()
    target = schedule["Target"]
    detail = json.loads(target["Input"])
    source, detail_type = target["EventBridgeParameters"]["Source"], target["EventBridgeParameters"]["DetailType"]
    fired = Outgoing(event_id=detail["metadata"]["event_id"], source=source, detail_type=detail_type, detail=detail)
    _deliver(client, fired)
    _deliver(client, fired)


def test_a_missed_deadline_is_published_once_with_the_manager(client: Any, table: str) -> None:
    cid = _setup(client, table)
    _fire(client)
    [missed] = _published(table, "LeadFollowUpMissed")
    data = missed.detail["data"]
    assert (data["contact_id"], data["owner_id"], data["manager_id"], data["reassigned"]) == (cid, "ann", "mia", False)
    assert call(client, "GET", f"/leads/{cid}").json["follow_up_missed_at"] is not None


def test_a_missed_deadline_reassigns_when_the_rule_says_so(client: Any, table: str) -> None:
    cid = _setup(client, table, reassign=True, reps=("ann", "bob"))
    _fire(client)
    assert len(_published(table, "LeadFollowUpMissed")) == 1
    [moved] = _published(table, "LeadReassigned")
    assert (moved.detail["data"]["previous_owner_id"], moved.detail["data"]["owner_id"]) == ("ann", "bob")
    assert call(client, "GET", f"/leads/{cid}").json["owner_id"] == "bob"


def test_a_completed_call_is_the_first_contact(client: Any, table: str) -> None:
    from pipeline.events import TaskCompleted
    from shared.events import new_event

    cid = _setup(client, table)
    done = TaskCompleted(
        task_id="t1", assignee_id="ann", kind="call", title="Intro", completed_at="2026-12-01T10:00:00Z", contact_id=cid
    )
    event = new_event(done)
    _deliver(client, event)
    _deliver(client, event)
    assert call(client, "GET", f"/leads/{cid}").json["status"] == "contacted"
    assert _schedules() == []
    assert len(_published(table, "LeadStatusChanged")) == 1
