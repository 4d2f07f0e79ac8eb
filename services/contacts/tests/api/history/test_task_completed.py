"""pipeline's TaskCompleted through the contacts consumer: a completed call, email or
meeting is an outbound interaction on the contact's timeline, once per event id; a to-do
is on the timeline without counting; a task about no contact changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from shared.events import Event, Outgoing, new_event
from shared.testing import bearer, failed_ids, sqs_event


class TaskCompleted(Event):
    """The shape crm.pipeline publishes (pipeline.events.TaskCompleted): a service never imports another."""

    bus_source = "crm.pipeline"
    task_id: str
    assignee_id: str
    kind: str
    title: str
    completed_at: str
    contact_id: str | None = None
    opportunity_id: str | None = None
    outcome: str | None = None


def _contact(client: Client) -> str:
    body = {"email": f"t-{uuid.uuid4().hex[:8]}@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    response = client.http.post("/", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def _completed(contact_id: str | None, kind: str = "call") -> Outgoing:
    return new_event(
        TaskCompleted(
            task_id=str(uuid.uuid4()),
            assignee_id="rep-1",
            kind=kind,
            title="Call back",
            completed_at="2030-01-02T03:04:05+00:00",
            contact_id=contact_id,
            outcome="wants a demo",
        )
    )


def _deliver(client: Client, *events: Outgoing) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _get(client: Client, path: str) -> Any:
    response = client.http.get(path, headers=bearer("agent"))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_a_completed_call_is_an_interaction_on_the_timeline_once(client: Client) -> None:
    contact = _contact(client)
    call, todo = _completed(contact), _completed(contact, kind="todo")
    _deliver(client, call, todo, _completed(None))
    _deliver(client, call, todo)  # a redelivery changes nothing
    entries = _get(client, f"/{contact}/timeline")["items"]
    tasks = [e for e in entries if e["kind"] == "task_completed"]
    assert sorted(e["data"]["kind"] for e in tasks) == ["call", "todo"]
    entry = next(e for e in tasks if e["data"]["kind"] == "call")
    assert entry["source"] == "crm.pipeline"
    assert (entry["data"]["task_id"], entry["data"]["outcome"]) == (call.detail["data"]["task_id"], "wants a demo")
    metrics = _get(client, f"/{contact}/metrics")
    assert (metrics["interaction_count"], metrics["inbound_count"]) == (1, 0)  # the call, outbound; not the to-do
