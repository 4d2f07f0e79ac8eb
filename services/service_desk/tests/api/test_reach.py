"""Record-level reach and erasure in the service desk (shared.reach, shared.owners), against moto."""

from __future__ import annotations

import uuid
from typing import Any

from shared.sample_events import contact_erased, lead_assigned
from shared.testing import call, failed_ids, sqs_event

REP_A, REP_B = "rep-a", "rep-b"


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _ticket(client: Any, contact_id: str, **fields: Any) -> dict[str, Any]:
    body = {"contact_id": contact_id, "subject": "Login", "description": "I cannot log in", **fields}
    response = call(client, "POST", "/tickets", body, role="agent")
    assert response.status_code == 201, response.body
    created: dict[str, Any] = response.json
    return created


def _get(client: Any, path: str, rep: str, hide: str) -> tuple[int, str]:
    response = call(client, "GET", path, role="sales", subject=rep)
    return response.status_code, response.body.decode().replace(hide, "<id>")


def test_another_reps_tickets_answer_exactly_like_missing_ones(client: Any) -> None:
    # Given a ticket of rep B's contact
    contact_id = str(uuid.uuid4())
    ticket = _ticket(client, contact_id)
    _deliver(client, lead_assigned(contact_id, REP_B))
    nobody, no_ticket = str(uuid.uuid4()), str(uuid.uuid4())
    # When rep A reads the ticket and lists the contact's tickets, and does the same on missing ones
    one = _get(client, f"/tickets/{ticket['id']}", REP_A, ticket["id"])
    one_missing = _get(client, f"/tickets/{no_ticket}", REP_A, no_ticket)
    listed = _get(client, f"/tickets?contact_id={contact_id}", REP_A, contact_id)
    listed_missing = _get(client, f"/tickets?contact_id={nobody}", REP_A, nobody)
    # Then every answer is a 404 word for word the same as the missing record's
    assert one[0] == 404 and one == one_missing
    assert listed[0] == 404 and listed == listed_missing
    # ... while rep B reads both
    assert _get(client, f"/tickets/{ticket['id']}", REP_B, "")[0] == 200
    assert [
        t["id"]
        for t in call(client, "GET", f"/tickets?contact_id={contact_id}", role="sales", subject=REP_B).json["items"]
    ] == [ticket["id"]]


def test_a_ticket_of_an_unassigned_contact_is_outside_every_reps_reach(client: Any) -> None:
    ticket = _ticket(client, str(uuid.uuid4()))
    assert _get(client, f"/tickets/{ticket['id']}", REP_A, "")[0] == 404
    assert call(client, "GET", f"/tickets/{ticket['id']}", role="agent").status_code == 200


def test_an_erased_requesters_tickets_keep_their_facts_not_their_words(client: Any, table: str) -> None:
    import boto3

    # Given two tickets of rep B's contact, naming the person
    contact_id = str(uuid.uuid4())
    for n in range(2):
        _ticket(
            client, contact_id, subject=f"Ada Lovelace {n}", description="call me on +44 20 7946 0018", priority="high"
        )
    _deliver(client, lead_assigned(contact_id, REP_B))
    # When the contact is erased (delivered twice)
    erased = contact_erased(contact_id)
    _deliver(client, erased)
    _deliver(client, erased)
    # Then the tickets stay, redacted; the owner is gone; no item holds the name or the phone
    tickets = call(client, "GET", f"/tickets?contact_id={contact_id}", role="agent").json["items"]
    assert [(t["subject"], t["description"], t["priority"], t["version"]) for t in tickets] == [
        ("[erased]", "[erased]", "high", 2)
    ] * 2
    assert _get(client, f"/tickets?contact_id={contact_id}", REP_B, contact_id)[0] == 404
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]
    kept = str([i for i in items if not i["pk"]["S"].startswith("OUTBOX#")])
    assert "Lovelace" not in kept and "7946" not in kept
