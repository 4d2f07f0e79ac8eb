"""A deleted contact over HTTP against moto: DELETE says what it keeps; nothing of the
contact is readable afterwards (its routes, its GDPR export, CSV exports); its erasure
removes what the delete kept and publishes ContactErased once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client

from contacts.table.keys import email_claim_pk, suppression_pk
from shared.testing import call, pending_outbox, sqs_event

SERVICE_DIR = Path(__file__).resolve().parents[3]
TABLE = "crm-dev-contacts"
EXPORTS_QUEUE = "crm-dev-contacts-exports"
LEAD = {
    "email": "grace@example.com",
    "first_name": "Grace",
    "last_name": "Hopper",
    "phone": "+14155550100",
    "tags": ["vip"],
}
PII = ("grace", "hopper", "4155550100")
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def client(table: str) -> Iterator[Client]:
    from contacts.api import app
    from contacts.bootstrap import segment_store

    boto3.client("sqs", region_name="us-east-1").create_queue(QueueName=EXPORTS_QUEUE)
    segment_store().forget_definitions()
    with Client(app, project_dir=str(SERVICE_DIR)) as c:
        yield c


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def relay(client: Client) -> None:
    """What the outbox relay and the bus do for contacts' own events (segment membership);
    a delivery seen before is skipped by the consumer's idempotency."""
    events = pending_outbox(TABLE)
    for start in range(0, len(events), 10):
        assert client.lambda_.invoke("on_event", sqs_event(events[start : start + 10])).payload == {
            "batchItemFailures": []
        }


def csv_export(client: Client, body: dict[str, Any]) -> str:
    """An export run by its worker: the downloaded file's text."""
    created = call(client, "post", "/exports", body, role="marketer")
    assert created.status_code == 202, created.json
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=EXPORTS_QUEUE)["QueueUrl"]
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        client.lambda_.invoke("export_worker", sqs_event([message["Body"]]))
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    job = call(client, "get", f"/exports/{created.json['id']}", role="marketer").json
    assert job["status"] == "completed", job
    return requests.get(job["download_url"], timeout=10).content.decode()


def partition(contact_id: str) -> dict[str, dict[str, Any]]:
    items = ddb().query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CONTACT#{contact_id}"}},
    )["Items"]
    return {i["sk"]["S"]: i for i in items}


def personal_data_left() -> list[dict[str, Any]]:
    """Items anywhere in the table naming the person (the outbox is relayed and deleted;
    idempotency records expire within a day)."""
    items = [
        i for i in ddb().scan(TableName=TABLE)["Items"] if not i["pk"]["S"].startswith(("OUTBOX#", "IDEMPOTENCY#"))
    ]
    return [i for i in items if any(p in json.dumps(i).lower() for p in PII)]


def a_customer_with_history(client: Client) -> str:
    """A VIP with consent, an interaction and an order, in the VIP segment."""
    segment = call(
        client, "post", "/segments", {"name": "VIPs", "rules": {"field": "tags", "op": "contains", "value": "vip"}}
    )
    assert segment.status_code == 201, segment.json
    created = call(client, "post", "/", LEAD)
    assert created.status_code == 201, created.json
    contact_id: str = created.json["id"]
    consent = {"channel": "email", "purpose": "marketing", "granted": True, "source": "web"}
    interaction = {
        "kind": "call",
        "direction": "inbound",
        "summary": "Grace Hopper called",
        "occurred_at": NOW.isoformat(),
    }
    order = {
        "order_id": "A-1",
        "amount": "30.00",
        "currency": "EUR",
        "channel": "phone",
        "occurred_at": NOW.isoformat(),
        "items": [{"sku": "S1", "name": "Shoes for Grace", "quantity": 1, "unit_price": "30.00"}],
    }
    for path, body in (("consents", consent), ("interactions", interaction), ("orders", order)):
        assert call(client, "post", f"/{contact_id}/{path}", body).status_code == 201
    relay(client)
    members = call(client, "get", f"/segments/{segment.json['id']}/members").json["items"]
    assert [m["contact_id"] for m in members] == [contact_id]
    return contact_id


def test_delete_answers_204_naming_the_erasure_and_on_request_what_it_keeps(client: Client) -> None:
    first = call(client, "post", "/", LEAD).json["id"]
    # A client that asks nothing gets 204 as before, with the erasure's link
    deleted = call(client, "delete", f"/{first}", role="manager")
    assert deleted.status_code == 204
    assert deleted.headers["Link"] == f'</contacts/{first}/erase>; rel="https://crm.example.com/rels/erase"'
    # One that prefers a representation gets the deletion: what is kept, and where to erase it
    second = call(client, "post", "/", LEAD).json["id"]
    answer = call(client, "delete", f"/{second}", role="manager", headers={"Prefer": "return=representation"})
    assert answer.status_code == 200 and answer.headers["Preference-Applied"] == "return=representation"
    body = answer.json
    assert (body["id"], body["deleted"], body["erase"]) == (second, True, f"/contacts/{second}/erase")
    assert body["kept"] == ["orders", "refunds", "interactions", "timeline", "metrics", "consents"]
    assert datetime.fromisoformat(body["deleted_at"])
    # ... and the delete leaves a marker with no personal data, only its email's hash
    marker = partition(second)["DELETED"]
    assert marker["suppress"]["L"] == [{"S": suppression_pk(email_claim_pk(LEAD["email"]))}]
    assert not any(p in json.dumps(marker).lower() for p in PII)


def test_nothing_of_a_deleted_contact_is_readable_and_its_erasure_removes_what_was_kept(client: Client) -> None:
    # Given a customer with consent, an interaction, an order and a segment, deleted
    contact_id = a_customer_with_history(client)
    assert call(client, "delete", f"/{contact_id}", role="manager").status_code == 204
    # Then no route tells anything about it: profile, history, metrics, consent, GDPR export
    for path in ("", "/timeline", "/interactions", "/metrics", "/consents", "/export"):
        assert call(client, "get", f"/{contact_id}{path}").status_code == 404, path
    # ... nor a CSV export, of a filter or of its segment (before its exit is processed)
    segments = call(client, "get", "/segments").json["items"]
    vips = next(s["id"] for s in segments if s["name"] == "VIPs")
    for body in ({"filter": {}, "columns": ["id", "email"]}, {"segment_id": vips, "columns": ["id", "email"]}):
        text = csv_export(client, body)
        assert contact_id not in text and "grace" not in text.lower(), body
    # ... while its history and consent are kept, and its segments end with ContactDeleted
    kept = partition(contact_id)
    assert {"METRICS", "CONSENT", "ORDER#A-1", "DELETED"} <= set(kept) and "PROFILE" not in kept
    relay(client)
    assert call(client, "get", f"/segments/{vips}/members").json["items"] == []

    # When an admin erases it, twice
    first = call(client, "post", f"/{contact_id}/erase")
    again = call(client, "post", f"/{contact_id}/erase")
    # Then both answer the same erasure, and ContactErased is queued once
    assert (first.status_code, again.status_code) == (200, 200) and first.json == again.json
    erased = [e for e in pending_outbox(TABLE) if e.detail_type == "ContactErased"]
    assert [e.detail["data"]["contact_id"] for e in erased] == [contact_id]
    # ... only the tombstone (and the segments item, left to the ContactErased handler) is left
    assert set(partition(contact_id)) <= {"ERASED", "SEGMENTS"}
    assert [i["sk"] for i in call(client, "get", f"/{contact_id}/export").json["items"] if i["sk"] != "SEGMENTS"] == [
        "ERASED"
    ]
    # ... no item anywhere names the person, and an older file's import will skip their email
    assert personal_data_left() == []
    suppressed = ddb().get_item(
        TableName=TABLE, Key={"pk": {"S": suppression_pk(email_claim_pk(LEAD["email"]))}, "sk": {"S": "SUPPRESS"}}
    )
    assert "Item" in suppressed
    relay(client)
    assert set(partition(contact_id)) <= {"ERASED", "SEGMENTS"}


def test_erasing_a_contact_that_never_existed_is_still_not_found(client: Client) -> None:
    assert call(client, "post", "/nobody/erase").status_code == 404
    assert call(client, "get", "/nobody/export").status_code == 404
