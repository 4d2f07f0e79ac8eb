"""Record-level reach and erasure in campaigns (shared.reach, shared.owners), against moto."""

from __future__ import annotations

import uuid
from typing import Any

from shared.sample_events import contact_erased, lead_assigned, lead_created
from shared.testing import call, failed_ids, sqs_event

REP_A, REP_B = "rep-a", "rep-b"


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _welcomed(client: Any, email: str = "ada@example.com", rep: str | None = REP_B) -> str:
    event = lead_created(email=email)
    contact_id: str = event.detail["data"]["contact_id"]
    _deliver(client, event)
    if rep is not None:
        _deliver(client, lead_assigned(contact_id, rep))
    return contact_id


def _answer(client: Any, contact_id: str, rep: str) -> tuple[int, str]:
    response = call(client, "GET", f"/messages?contact_id={contact_id}", role="sales", subject=rep)
    return response.status_code, response.body.decode().replace(contact_id, "<id>")


def test_another_reps_messages_answer_exactly_like_an_unknown_contact(client: Any) -> None:
    # Given rep B's contact, welcomed
    contact_id = _welcomed(client)
    # When rep A lists its messages, and those of a contact nobody knows
    theirs, missing = _answer(client, contact_id, REP_A), _answer(client, str(uuid.uuid4()), REP_A)
    # Then the same 404, and the address is not in it
    assert theirs[0] == 404 and theirs == missing and "ada@example.com" not in theirs[1]
    # ... while rep B and a marketer see the message
    assert _answer(client, contact_id, REP_B)[0] == 200
    listed = call(client, "GET", f"/messages?contact_id={contact_id}", role="marketer").json
    assert [m["to"] for m in listed["items"]] == ["ada@example.com"]


def test_an_erased_recipients_address_is_gone(client: Any, table: str) -> None:
    import boto3

    # Given rep B's contact, welcomed at a distinctive address
    email = f"erase-{uuid.uuid4().hex[:8]}@example.com"
    contact_id = _welcomed(client, email)
    # When the contact is erased (delivered twice)
    erased = contact_erased(contact_id)
    _deliver(client, erased)
    _deliver(client, erased)
    # Then the message stays, without the address; the owner is gone; no item holds the address
    listed = call(client, "GET", f"/messages?contact_id={contact_id}", role="marketer").json
    assert [(m["template"], m["to"], m["status"]) for m in listed["items"]] == [("welcome", "erased", "sent")]
    assert _answer(client, contact_id, REP_B)[0] == 404
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]
    assert email not in str([i for i in items if not i["pk"]["S"].startswith("OUTBOX#")])


def test_a_lead_created_after_the_erasure_sends_nothing(client: Any, table: str) -> None:
    from shared.testing import ses_sent_count

    # Given a contact erased before its LeadCreated got through
    event = lead_created(email="late@example.com")
    contact_id = event.detail["data"]["contact_id"]
    _deliver(client, contact_erased(contact_id))
    # When the LeadCreated arrives
    before = ses_sent_count()
    _deliver(client, event)
    # Then nothing was sent, and no message was kept
    assert ses_sent_count() == before
    assert call(client, "GET", f"/messages?contact_id={contact_id}", role="marketer").json["items"] == []
