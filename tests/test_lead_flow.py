"""The lead flow end to end, over HTTP against the running local stack and its bus."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from tests.e2e import aws, drain, eventually, get, headers, new_lead, tap

pytestmark = pytest.mark.e2e


def add_rep(stack: Any, name: str = "Grace") -> dict[str, Any]:
    body = {"name": name, "email": f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", "capacity": 1000}
    response = stack.session.post(f"{stack.url}/pipeline/reps", json=body, headers=headers(stack, "manager"))
    assert response.status_code == 201, response.text
    rep: dict[str, Any] = response.json()
    return rep


def owner_of(stack: Any, contact_id: str) -> str | None:
    lead = get(stack, f"/pipeline/leads/{contact_id}")
    return lead["owner_id"] if lead else None


def member(stack: Any, contact_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = get(stack, f"/loyalty/members/{contact_id}")
    return found


def messages(stack: Any, contact_id: str) -> list[dict[str, Any]]:
    page = get(stack, f"/campaigns/messages?contact_id={contact_id}")
    return page["items"] if page else []


def emails_to(stack: Any, address: str) -> list[dict[str, Any]]:
    sent = stack.session.get(f"{stack.url}/_local/emails").json()
    items = sent["items"] if isinstance(sent, dict) else sent
    return [m for m in items if address in json.dumps(m)]


def test_one_lead_gets_an_owner_a_welcome_email_and_signup_points(stack: Any) -> None:
    # Given an active rep
    rep = add_rep(stack)
    # When a lead is created
    lead = new_lead(stack)
    # Then pipeline assigns an owner, loyalty credits sign-up points, campaigns sends the welcome email
    owner = eventually(lambda: owner_of(stack, lead["id"]))
    # ... and contacts records the owner from LeadAssigned
    assert eventually(lambda: (get(stack, f"/contacts/{lead['id']}") or {}).get("owner_id") == owner)
    points = eventually(lambda: member(stack, lead["id"]))
    assert points["points_balance"] > 0 and points["tier"]
    [message] = eventually(lambda: messages(stack, lead["id"]))
    assert (message["template"], message["status"], message["to"]) == ("welcome", "sent", lead["email"])
    assert eventually(lambda: emails_to(stack, lead["email"]))
    assert rep["id"]


def test_the_same_lead_created_delivered_three_times_has_one_effect_each(stack: Any) -> None:
    add_rep(stack)
    watch = tap(stack, {"source": ["crm.contacts"], "detail-type": ["LeadCreated"]})
    lead = new_lead(stack)
    published = eventually(
        lambda: [e for e in drain(stack, watch, 1) if e["detail"]["data"]["contact_id"] == lead["id"]]
    )
    detail = published[0]["detail"]
    # When EventBridge delivers the very same event twice more
    for _ in range(2):
        aws(stack, "events").put_events(
            Entries=[
                {
                    "Source": "crm.contacts",
                    "DetailType": "LeadCreated",
                    "Detail": json.dumps(detail),
                    "EventBusName": "crm-dev",
                }
            ]
        )
    owner = eventually(lambda: owner_of(stack, lead["id"]))
    eventually(lambda: messages(stack, lead["id"]))
    eventually(lambda: member(stack, lead["id"]))
    time.sleep(3)  # time for the duplicates to be consumed
    # Then: one owner, one email, one sign-up credit
    assert owner_of(stack, lead["id"]) == owner
    assert len(messages(stack, lead["id"])) == 1
    assert len(emails_to(stack, lead["email"])) == 1
    ledger = get(stack, f"/loyalty/members/{lead['id']}/ledger")
    assert [e["reason"] for e in ledger["items"]].count("signup") == 1


def test_a_poison_message_lands_in_the_dlq_while_the_rest_of_its_batch_is_processed(stack: Any) -> None:
    sqs = aws(stack, "sqs")
    queue = sqs.get_queue_url(QueueName="crm-dev-pipeline-events")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="crm-dev-pipeline-events-dlq")["QueueUrl"]
    watch = tap(stack, {"source": ["crm.contacts"], "detail-type": ["LeadCreated"]})
    add_rep(stack)
    lead = new_lead(stack)
    good = eventually(lambda: [e for e in drain(stack, watch, 1) if e["detail"]["data"]["contact_id"] == lead["id"]])[0]
    # A second, fresh event for another lead, sent in one batch with a poison message
    other = str(uuid.uuid4())
    good["detail"]["metadata"]["event_id"] = str(uuid.uuid4())
    good["detail"]["data"]["contact_id"] = other
    marker = f"poison-{uuid.uuid4().hex}"
    sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": "poison", "MessageBody": marker}, {"Id": "good", "MessageBody": json.dumps(good)}],
    )
    # The good record is processed ...
    assert eventually(lambda: owner_of(stack, other))

    # ... and the poison one reaches the DLQ after its receives
    def poisoned() -> bool:
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])]
        return marker in bodies

    assert eventually(poisoned, timeout=30)


def test_a_crash_between_the_state_write_and_the_publish_loses_no_event(stack: Any) -> None:
    add_rep(stack)
    watch = tap(stack, {"source": ["crm.contacts"], "detail-type": ["LeadCreated"]})
    # Given the contacts outbox relay will crash on its next invocation
    armed = stack.session.post(
        f"{stack.url}/_local/faults", json={"function": "crm-dev-contacts-outbox_relay", "count": 1}
    )
    assert armed.status_code in (200, 201, 204), armed.text
    # When a lead is created (the contact is stored; the publish crashes)
    lead = new_lead(stack)
    # Then the event is still published, exactly once, and the flow completes
    assert eventually(lambda: owner_of(stack, lead["id"]))
    assert eventually(lambda: messages(stack, lead["id"]))
    seen = [e for e in drain(stack, watch, 3) if e["detail"]["data"]["contact_id"] == lead["id"]]
    assert len(seen) == 1


def test_requests_without_a_token_or_with_bad_fields_are_refused_with_problem_details(stack: Any) -> None:
    body = {"email": "x@example.com", "first_name": "X", "last_name": "Y"}
    anonymous = stack.session.post(f"{stack.url}/contacts", json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"].startswith("application/problem+json")
    bad = stack.session.post(f"{stack.url}/contacts", json={**body, "nickname": "x"}, headers=headers(stack, "sales"))
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["nickname"]
    assert stack.session.get(f"{stack.url}/contacts/{uuid.uuid4()}", headers=headers(stack)).status_code == 404
    assert stack.session.get(f"{stack.url}/nowhere/x", headers=headers(stack)).status_code == 404
