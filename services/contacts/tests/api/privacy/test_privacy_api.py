"""Export and erasure over HTTP against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from shared.testing import bearer, call, failed_ids, pending_outbox, sqs_event

SERVICE_DIR = Path(__file__).resolve().parents[3]
TABLE = "crm-dev-contacts"
LEAD = {"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper", "phone": "+14155550100"}


@pytest.fixture
def client(table: str) -> Iterator[Client]:
    """The app on the root conftest's table and buckets (template-made, with the functions' environment)."""
    from contacts.api import app
    from contacts.bootstrap import segment_store

    segment_store().forget_definitions()
    with Client(app, project_dir=str(SERVICE_DIR)) as c:
        yield c


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def create(client: Client) -> str:
    response = client.http.post("/", headers=bearer("sales"), body=json.dumps(LEAD))
    assert response.status_code == 201, response.body
    contact_id: str = json.loads(response.body)["id"]
    return contact_id


def status_body(response: Any) -> Any:
    """(status, parsed body) of a shared.testing.call response."""
    return response.status_code, response.json


def test_export_returns_every_item_held_under_the_contact(client: Client) -> None:
    contact_id = create(client)
    body = {"channel": "email", "purpose": "marketing", "granted": True, "source": "web"}
    status_body(call(client, "post", f"/{contact_id}/consents", body))
    ddb().put_item(
        TableName=TABLE,
        Item={"pk": {"S": f"CONTACT#{contact_id}"}, "sk": {"S": "METRICS"}, "total_spend": {"N": "12.5"}},
    )
    status, document = status_body(call(client, "get", f"/{contact_id}/export", role="manager"))
    assert status == 200 and document["contact_id"] == contact_id
    kinds = sorted(i["sk"].split("#")[0] for i in document["items"])
    assert kinds == ["CONSENT", "CONSENT", "METRICS", "PROFILE"]
    profile = next(i for i in document["items"] if i["sk"] == "PROFILE")
    assert profile["email"] == "grace@example.com"
    assert next(i for i in document["items"] if i["sk"] == "METRICS")["total_spend"] == 12.5
    assert status_body(call(client, "get", f"/{contact_id}/export", role="sales"))[0] == 403
    assert status_body(call(client, "get", "/nobody/export"))[0] == 404


def test_erasure_removes_the_personal_data_frees_the_email_and_publishes_once(client: Client) -> None:
    contact_id = create(client)
    status_body(
        call(
            client,
            "post",
            f"/{contact_id}/consents",
            {"channel": "sms", "purpose": "marketing", "granted": True, "source": "web"},
        )
    )
    ddb().put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": f"CONTACT#{contact_id}"},
            "sk": {"S": "T#2026-01-01T00:00:00+00:00#note#1"},
            "text": {"S": "x"},
        },
    )
    assert status_body(call(client, "post", f"/{contact_id}/erase", role="manager"))[0] == 403
    # When an admin erases the contact, twice
    status, first = status_body(call(client, "post", f"/{contact_id}/erase"))
    again_status, again = status_body(call(client, "post", f"/{contact_id}/erase"))
    # Then only the tombstone is left, the email is free, and ContactErased is queued once
    assert (status, again_status) == (200, 200) and first == again
    _, document = status_body(call(client, "get", f"/{contact_id}/export"))
    [tombstone] = document["items"]
    assert (tombstone["sk"], tombstone["contact_id"]) == ("ERASED", contact_id)
    assert datetime.fromisoformat(tombstone["erased_at"]) == datetime.fromisoformat(first["erased_at"])
    assert status_body(call(client, "get", f"/{contact_id}"))[0] == 404
    erased = [e for e in pending_outbox(TABLE) if e.detail_type == "ContactErased"]
    assert [e.detail["data"]["contact_id"] for e in erased] == [contact_id]
    assert (
        "grace"
        not in json.dumps(
            [
                i
                for i in ddb().scan(TableName=TABLE)["Items"]
                if not i["pk"]["S"].startswith(("OUTBOX#", "IDEMPOTENCY#"))
            ]
        ).lower()
    )
    recreated = client.http.post("/", headers=bearer("sales"), body=json.dumps(LEAD))
    assert recreated.status_code == 201
    assert status_body(call(client, "post", "/nobody/erase"))[0] == 404


def test_the_erased_event_makes_the_contact_leave_its_segments(client: Client) -> None:
    contact_id = create(client)
    ddb().put_item(
        TableName=TABLE,
        Item={"pk": {"S": f"CONTACT#{contact_id}"}, "sk": {"S": "METRICS"}, "value_tier": {"S": "gold"}},
    )
    [lead_created] = [e for e in pending_outbox(TABLE) if e.detail_type == "LeadCreated"]
    client.lambda_.invoke("on_event", sqs_event([lead_created]))
    status_body(call(client, "post", f"/{contact_id}/erase"))
    [erased] = [e for e in pending_outbox(TABLE) if e.detail_type == "ContactErased"]
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([erased, erased]))) == []
    moves = [
        (e.detail_type, e.detail["data"]["segment_id"]) for e in pending_outbox(TABLE) if "Segment" in e.detail_type
    ]
    assert moves == [("SegmentEntered", "value-gold"), ("SegmentExited", "value-gold")]
    assert status_body(call(client, "get", "/segments/value-gold/members"))[1]["items"] == []


def test_erasure_leaves_no_claim_or_index_entry_naming_the_contact(client: Client) -> None:
    # Given a contact listed under its email, phone, name, tags and address
    body = {**LEAD, "tags": ["vip"], "address": {"country": "GB", "city": "London"}}
    status, created = status_body(call(client, "post", "/", body))
    assert status == 201, created
    contact_id = created["id"]
    # When it is erased
    assert status_body(call(client, "post", f"/{contact_id}/erase"))[0] == 200
    # Then no claim or index entry anywhere in the table still points at it
    items = ddb().scan(TableName=TABLE)["Items"]
    left = [i["pk"]["S"] for i in items if i["pk"]["S"].startswith("IDX#") and i["sk"]["S"].endswith(f"#{contact_id}")]
    claims = [i["pk"]["S"] for i in items if i["sk"]["S"] == "CLAIM" and i.get("contact_id", {}).get("S") == contact_id]
    assert (left, claims) == ([], [])
