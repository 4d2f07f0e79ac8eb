"""Tasks over the API (chalice test client + moto): create, list, change with If-Match,
complete (TaskCompleted), reminders as schedules and the reminder's TaskDue, reach."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from shared.testing import call, failed_ids, pending_outbox, sqs_event

SOON = datetime.now(UTC) + timedelta(days=2)


def _at(delta: timedelta) -> str:
    return (SOON + delta).isoformat()


def _task(client: Any, role: str = "sales", subject: str | None = "ann", **extra: Any) -> Any:
    body = {"kind": "call", "title": "Call back", "due_at": _at(timedelta()), **extra}
    return call(client, "POST", "/tasks", body, role=role, subject=subject)


def _rep(client: Any, rep_id: str, **extra: Any) -> None:
    body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", **extra}
    assert call(client, "POST", "/reps", body, role="manager").status_code == 201


def _published(table: str, detail_type: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == detail_type]


def _schedules() -> list[dict[str, Any]]:
    from shared.settings import get_settings

    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = get_settings().schedule_group
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    return [scheduler.get_schedule(Name=n, GroupName=group) for n in names]


def _patch(client: Any, task_id: str, body: dict[str, Any], version: int, **who: Any) -> Any:
    return call(client, "PATCH", f"/tasks/{task_id}", body, headers={"If-Match": f'"{version}"'}, **who)


def test_a_rep_creates_a_task_for_themselves_with_a_reminder(client: Any) -> None:
    created = _task(client, notes="about the offer", remind_at=_at(-timedelta(hours=1)), contact_id="c1")
    assert created.status_code == 201, created.body
    task = created.json
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == f"/pipeline/tasks/{task['id']}"
    assert (task["assignee_id"], task["created_by"], task["status"], task["version"]) == ("ann", "ann", "open", 1)
    assert task["completed_at"] is None and task["outcome"] is None and "reminded_for" not in task
    [schedule] = _schedules()
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["EventBridgeParameters"] == {"Source": "crm.pipeline", "DetailType": "TaskReminderFired"}
    data = json.loads(schedule["Target"]["Input"])["data"]
    assert data["task_id"] == task["id"]
    assert datetime.fromisoformat(data["remind_at"]) == SOON - timedelta(hours=1)
    got = call(client, "GET", f"/tasks/{task['id']}", role="sales", subject="ann")
    assert got.status_code == 200 and got.headers["ETag"] == '"1"' and got.json == task


def test_bad_tasks_name_the_field_at_fault(client: Any) -> None:
    cases = [
        ({"remind_at": _at(timedelta(minutes=1))}, "remind_at"),
        ({"due_at": "2030-01-01T09:00:00"}, "due_at"),  # no offset
        ({"kind": "lunch"}, "kind"),
        ({"status": "done"}, "status"),
        ({"title": ""}, "title"),
    ]
    for extra, field in cases:
        response = _task(client, **extra)
        assert response.status_code == 422, (extra, response.body)
        assert field in [e["field"] for e in response.json["errors"]], (extra, response.json)


def test_assignees_a_rep_may_not_choose_and_a_manager_may(client: Any) -> None:
    _rep(client, "ann", manager_id="mia")
    _rep(client, "bob")
    mine = _task(client, assignee_id="bob")
    assert mine.status_code == 403 and mine.json["errors"][0]["field"] == "assignee_id"
    theirs = _task(client, role="manager", subject="mia", assignee_id="ann")
    assert theirs.status_code == 201 and theirs.json["assignee_id"] == "ann" and theirs.json["created_by"] == "mia"
    for outside in ("bob", "nobody"):  # not theirs, and not a rep at all: one answer
        response = _task(client, role="manager", subject="mia", assignee_id=outside)
        assert response.status_code == 422 and response.json["errors"][0]["field"] == "assignee_id"
    assert _task(client, role="admin", subject="root", assignee_id="bob").status_code == 201


def test_lists_follow_reach_and_filters(client: Any) -> None:
    _rep(client, "ann", manager_id="mia")
    _rep(client, "bob")
    ann_1 = _task(client, contact_id="c1").json
    ann_2 = _task(client, kind="email", due_at=_at(timedelta(days=3))).json
    bob_1 = _task(client, subject="bob", opportunity_id="o1").json

    def ids(query: str = "", **who: Any) -> list[str]:
        response = call(client, "GET", f"/tasks{query}", **who)
        assert response.status_code == 200, response.body
        return sorted(t["id"] for t in response.json["items"])

    assert ids(role="sales", subject="ann") == sorted([ann_1["id"], ann_2["id"]])
    assert ids(role="sales", subject="bob") == [bob_1["id"]]
    assert ids("?assignee_id=bob", role="sales", subject="ann") == []
    assert ids(role="manager", subject="mia") == sorted([ann_1["id"], ann_2["id"]])
    assert ids(role="admin") == sorted([ann_1["id"], ann_2["id"], bob_1["id"]])
    assert ids("?assignee_id=bob", role="admin") == [bob_1["id"]]
    assert ids("?contact_id=c1") == [ann_1["id"]]
    assert ids("?opportunity_id=o1") == [bob_1["id"]]
    due_to = (SOON + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"?due_to={due_to}") == sorted([ann_1["id"], bob_1["id"]])
    due_from = (SOON + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"?due_from={due_from}") == [ann_2["id"]]
    assert ids("?status=done") == []


def test_pages_run_across_assignees(client: Any) -> None:
    made = {_task(client, subject=who).json["id"] for who in ("ann", "ann", "bob", "cy", "cy")}
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        page = call(client, "GET", f"/tasks?limit=2{cursor}").json
        seen.extend(t["id"] for t in page["items"])
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(made)
    admin_page = call(client, "GET", "/tasks?limit=1").json
    # A cursor of the admin's list names an assignee a rep does not reach: refused, not followed.
    foreign = call(client, "GET", f"/tasks?cursor={admin_page['next_cursor']}", role="sales", subject="zed")
    assert foreign.status_code == 400 and foreign.json["errors"][0]["field"] == "cursor"


def test_another_reps_task_is_not_found_like_a_missing_one(client: Any) -> None:
    task = _task(client, subject="bob").json
    other = call(client, "GET", f"/tasks/{task['id']}", role="sales", subject="ann")
    missing = call(client, "GET", "/tasks/nope", role="sales", subject="ann")
    assert other.status_code == missing.status_code == 404
    assert other.json["detail"].replace(task["id"], "X") == missing.json["detail"].replace("nope", "X")
    patched = _patch(client, task["id"], {"title": "mine now"}, 1, role="sales", subject="ann")
    assert patched.status_code == 404


def test_patch_needs_if_match_and_refuses_stale_versions(client: Any) -> None:
    task = _task(client).json
    path = f"/tasks/{task['id']}"
    assert call(client, "PATCH", path, {"title": "x"}, role="sales", subject="ann").status_code == 428
    done = _patch(client, task["id"], {"title": "Call back about pricing", "notes": None}, 1, subject="ann")
    assert done.status_code == 200 and done.headers["ETag"] == '"2"' and done.json["title"] == "Call back about pricing"
    assert _patch(client, task["id"], {"title": "y"}, 1, subject="ann").status_code == 409
    late = _patch(client, task["id"], {"remind_at": _at(timedelta(hours=1))}, 2, subject="ann")
    assert late.status_code == 422 and late.json["errors"][0]["field"] == "remind_at"


def test_a_rep_cannot_reassign_and_a_manager_can(client: Any) -> None:
    _rep(client, "ann", manager_id="mia")
    _rep(client, "bob", manager_id="mia")
    task = _task(client).json
    refused = _patch(client, task["id"], {"assignee_id": "bob"}, 1, role="sales", subject="ann")
    assert refused.status_code == 403 and refused.json["errors"][0]["field"] == "assignee_id"
    moved = _patch(client, task["id"], {"assignee_id": "bob"}, 1, role="manager", subject="mia")
    assert moved.status_code == 200 and moved.json["assignee_id"] == "bob"
    assert call(client, "GET", f"/tasks/{task['id']}", role="sales", subject="ann").status_code == 404
    assert [t["id"] for t in call(client, "GET", "/tasks", role="sales", subject="bob").json["items"]] == [task["id"]]


def test_completing_publishes_task_completed_and_closes_the_task(client: Any, table: str) -> None:
    task = _task(client, kind="email", contact_id="c1", opportunity_id="o1").json
    assert len(_schedules()) == 1
    done = _patch(client, task["id"], {"status": "done", "outcome": "interested"}, 1, role="sales", subject="ann")
    assert done.status_code == 200, done.body
    assert (done.json["status"], done.json["outcome"]) == ("done", "interested")
    assert done.json["completed_at"] is not None
    [completed] = _published(table, "TaskCompleted")
    assert completed == {
        "task_id": task["id"],
        "assignee_id": "ann",
        "kind": "email",
        "title": "Call back",
        "completed_at": completed["completed_at"],
        "contact_id": "c1",
        "opportunity_id": "o1",
        "outcome": "interested",
    }
    assert _schedules() == []  # the reminder is gone with the task
    again = _patch(client, task["id"], {"title": "more"}, 2, role="sales", subject="ann")
    assert again.status_code == 409


def test_cancelling_cancels_the_reminder_and_moving_it_replans(client: Any, table: str) -> None:
    task = _task(client).json
    [first] = _schedules()
    nudged = _patch(client, task["id"], {"due_at": _at(timedelta(milliseconds=300))}, 1, subject="ann")
    assert nudged.status_code == 200
    [first] = _schedules()  # moved by less than a second: a new schedule all the same
    assert json.loads(first["Target"]["Input"])["data"]["remind_at"] == nudged.json["due_at"]
    moved = _patch(client, task["id"], {"remind_at": _at(-timedelta(hours=2))}, 2, subject="ann")
    assert moved.status_code == 200
    [second] = _schedules()
    assert second["Name"] != first["Name"] and second["ScheduleExpression"] < first["ScheduleExpression"]
    cancelled = _patch(client, task["id"], {"status": "cancelled"}, 3, subject="ann")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert _schedules() == []
    assert _published(table, "TaskCompleted") == []


def _fire(client: Any, schedule: dict[str, Any]) -> list[str]:
    """What Scheduler does at the time: the schedule's event on the bus, to our consumer."""
    from shared.events import Outgoing

    detail = json.loads(schedule["Target"]["Input"])
    params = schedule["Target"]["EventBridgeParameters"]
    event = Outgoing(
        event_id=detail["metadata"]["event_id"],
        source=params["Source"],
        detail_type=params["DetailType"],
        detail=detail,
    )
    return failed_ids(client.lambda_.invoke("on_event", sqs_event([event])))


def test_a_fired_reminder_publishes_task_due_once_and_only_for_an_open_task(client: Any, table: str) -> None:
    open_task = _task(client, contact_id="c1").json
    [schedule] = _schedules()
    assert _fire(client, schedule) == [] and _fire(client, schedule) == []
    [due] = _published(table, "TaskDue")
    assert (due["task_id"], due["assignee_id"], due["kind"]) == (open_task["id"], "ann", "call")
    assert due["contact_id"] == "c1" and due["title"] == "Call back"
    # Fired again once the consumer's idempotency records are gone: the task knows it was sent.
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    for item in ddb.scan(TableName=table)["Items"]:  # test inspection only
        if item["pk"]["S"].startswith("IDEMPOTENCY#"):
            ddb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert _fire(client, schedule) == []
    assert len(_published(table, "TaskDue")) == 1
    # Reading the task again after the reminder: its version did not move (a client's ETag holds).
    assert call(client, "GET", f"/tasks/{open_task['id']}").headers["ETag"] == '"1"'

    closed = _task(client, subject="bob").json
    [pending] = [s for s in _schedules() if closed["id"] in s["Name"]]
    assert _patch(client, closed["id"], {"status": "done"}, 1, subject="bob").status_code == 200
    assert _fire(client, pending) == []  # a fire racing the completion: nothing to say
    assert [d["task_id"] for d in _published(table, "TaskDue")] == [open_task["id"]]


def test_a_task_due_in_the_past_gets_no_reminder(client: Any) -> None:
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert _task(client, due_at=past).status_code == 201
    assert _schedules() == []
