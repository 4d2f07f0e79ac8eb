"""Segments over HTTP and membership through the on_event consumer, against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from contacts.inbound import SEGMENT_TRIGGERS
from shared.events import Event, Outgoing, new_event
from shared.testing import bearer, failed_ids, pending_outbox, sqs_event

SERVICE_DIR = Path(__file__).resolve().parents[3]
TABLE = "crm-dev-contacts"


class ContactRef(Event):
    """What membership reads of any contacts event that names a contact."""

    bus_source = "crm.contacts"
    contact_id: str
    changed: list[str] = []


# ContactUpdated once its producer (records) publishes it; LeadCreated triggers the same path.
UPDATED = "ContactUpdated" if "ContactUpdated" in SEGMENT_TRIGGERS else "LeadCreated"


def change(contact_id: str, detail_type: str = "LeadCreated", **data: Any) -> Outgoing:
    """A contacts event naming one contact (facts are read from the table, not the event)."""
    event = new_event(ContactRef(contact_id=contact_id, **data))
    return event.model_copy(update={"detail_type": detail_type})


@pytest.fixture
def client(table: str) -> Iterator[Client]:
    """The app on the root conftest's table (template-made, with the functions' environment)."""
    from contacts.api import app
    from contacts.bootstrap import segment_store

    segment_store().forget_definitions()  # a new table per test
    with Client(app, project_dir=str(SERVICE_DIR)) as c:
        yield c


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def put_facts(contact_id: str, profile: dict[str, Any], metrics: dict[str, Any] | None = None) -> None:
    from shared.codec import to_item

    ddb().put_item(TableName=TABLE, Item=to_item({"pk": f"CONTACT#{contact_id}", "sk": "PROFILE", **profile}))
    if metrics is not None:
        ddb().put_item(TableName=TABLE, Item=to_item({"pk": f"CONTACT#{contact_id}", "sk": "METRICS", **metrics}))


def segment_events(contact_id: str | None = None) -> list[tuple[str, str]]:
    return [
        (e.detail_type, e.detail["data"]["segment_id"])
        for e in pending_outbox(TABLE)
        if e.detail_type in ("SegmentEntered", "SegmentExited") and contact_id in (None, e.detail["data"]["contact_id"])
    ]


def post(client: Client, path: str, body: Any, role: str = "marketer") -> Any:
    return client.http.post(path, headers=bearer(role), body=json.dumps(body))


def get(client: Client, path: str, role: str = "agent") -> Any:
    response = client.http.get(path, headers=bearer(role))
    return response.status_code, json.loads(response.body) if response.body else None


VIP_FR = {"all": [{"field": "tags", "op": "contains", "value": "vip"}, {"field": "country", "op": "eq", "value": "FR"}]}


def test_a_segment_is_created_listed_and_read_with_its_member_count(client: Client) -> None:
    created = post(client, "/segments", {"name": "French VIPs", "rules": VIP_FR})
    assert created.status_code == 201, created.body
    segment = json.loads(created.body)
    assert (segment["member_count"], segment["version"]) == (0, 1)
    status, listed = get(client, "/segments?limit=100")
    ids = {s["id"] for s in listed["items"]}
    assert status == 200 and segment["id"] in ids and "rfm-champions" in ids and "value-gold" in ids
    assert get(client, f"/segments/{segment['id']}")[1]["name"] == "French VIPs"
    assert get(client, "/segments/rfm-lost")[1]["builtin"] is True


def test_bad_rules_are_422_naming_the_rule_path_and_roles_are_enforced(client: Client) -> None:
    bad = post(client, "/segments", {"name": "x", "rules": {"all": [{"field": "shoe", "op": "eq", "value": 1}]}})
    assert bad.status_code == 422
    assert [e["field"] for e in json.loads(bad.body)["errors"]] == ["rules.all.0.field"]
    assert post(client, "/segments", {"name": "x", "rules": VIP_FR}, role="sales").status_code == 403
    assert post(client, "/segments", {"name": "x", "rules": VIP_FR, "owner": "me"}).status_code == 422
    assert get(client, "/segments/nope")[0] == 404


def test_a_change_moves_a_contact_in_once_even_when_delivered_twice(client: Client) -> None:
    segment = json.loads(post(client, "/segments", {"name": "French VIPs", "rules": VIP_FR}).body)
    put_facts("c1", {"lifecycle_stage": "lead", "tags": ["vip"], "address": {"country": "FR"}})
    event = change("c1", UPDATED, changed=["tags"])
    # When the same event is delivered twice, and then the same facts come with a new event
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event, event]))) == []
    again = change("c1", UPDATED, changed=["city"])
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([again]))) == []
    # Then the contact entered once: one event, one member, count 1
    assert segment_events("c1") == [("SegmentEntered", segment["id"])]
    assert get(client, f"/segments/{segment['id']}")[1]["member_count"] == 1
    members = get(client, f"/segments/{segment['id']}/members")[1]
    assert [m["contact_id"] for m in members["items"]] == ["c1"]
    # When the contact no longer matches, it exits once
    put_facts("c1", {"lifecycle_stage": "lead", "tags": [], "address": {"country": "FR"}})
    client.lambda_.invoke("on_event", sqs_event([change("c1", UPDATED, changed=["tags"])]))
    assert segment_events("c1") == [("SegmentEntered", segment["id"]), ("SegmentExited", segment["id"])]
    assert get(client, f"/segments/{segment['id']}")[1]["member_count"] == 0
    assert get(client, f"/segments/{segment['id']}/members")[1]["items"] == []


def test_metrics_move_a_contact_into_its_rfm_group_and_value_tier(client: Client) -> None:
    put_facts("c2", {"lifecycle_stage": "customer"}, {"total_spend": 3000, "order_count": 6, "rfm_group": "champions"})
    event = change("c2")
    client.lambda_.invoke("on_event", sqs_event([event]))
    assert sorted(segment_events("c2")) == [("SegmentEntered", "rfm-champions")]
    put_facts("c2", {"lifecycle_stage": "customer"}, {"total_spend": 3000, "rfm_group": "loyal", "value_tier": "gold"})
    client.lambda_.invoke("on_event", sqs_event([change("c2")]))
    assert sorted(segment_events("c2")) == [
        ("SegmentEntered", "rfm-champions"),
        ("SegmentEntered", "rfm-loyal"),
        ("SegmentEntered", "value-gold"),
        ("SegmentExited", "rfm-champions"),
    ]
    assert get(client, "/segments/rfm-champions")[1]["member_count"] == 0
    assert get(client, "/segments/value-gold")[1]["member_count"] == 1


@pytest.mark.parametrize("detail_type", SEGMENT_TRIGGERS)
def test_every_trigger_re_evaluates_the_contact_it_names(client: Client, detail_type: str) -> None:
    put_facts("c3", {"lifecycle_stage": "customer"}, {"value_tier": "bronze"})
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([change("c3", detail_type)]))) == []
    expected = [] if detail_type in ("ContactDeleted", "ContactErased") else [("SegmentEntered", "value-bronze")]
    if detail_type in ("ContactDeleted", "ContactErased"):
        ddb().delete_item(TableName=TABLE, Key={"pk": {"S": "CONTACT#c3"}, "sk": {"S": "PROFILE"}})
        client.lambda_.invoke("on_event", sqs_event([change("c3", detail_type)]))
        expected = [("SegmentEntered", "value-bronze"), ("SegmentExited", "value-bronze")]
    assert segment_events("c3") == expected


def test_members_are_paginated_and_a_deleted_segment_lets_members_go(client: Client) -> None:
    segment = json.loads(
        post(
            client, "/segments", {"name": "Leads", "rules": {"field": "lifecycle_stage", "op": "eq", "value": "lead"}}
        ).body
    )
    for i in range(5):
        put_facts(f"m{i}", {"lifecycle_stage": "lead"})
    client.lambda_.invoke("on_event", sqs_event([change(f"m{i}") for i in range(5)]))
    first = get(client, f"/segments/{segment['id']}/members?limit=2")[1]
    second = get(client, f"/segments/{segment['id']}/members?limit=10&cursor={first['next_cursor']}")[1]
    assert len(first["items"]) == 2 and len(second["items"]) == 3
    assert get(client, f"/segments/{segment['id']}/members?cursor=bogus")[0] == 400
    # PATCH needs an editor and the current version
    patch = client.http.patch(
        f"/segments/{segment['id']}", headers={**bearer("admin"), "If-Match": '"7"'}, body=json.dumps({"name": "x"})
    )
    assert patch.status_code == 409
    assert client.http.delete(f"/segments/{segment['id']}", headers=bearer("agent")).status_code == 403
    assert client.http.delete(f"/segments/{segment['id']}", headers=bearer("admin")).status_code == 204
    assert get(client, f"/segments/{segment['id']}")[0] == 404
    client.lambda_.invoke("on_event", sqs_event([change("m0")]))
    assert segment_events("m0") == [("SegmentEntered", segment["id"]), ("SegmentExited", segment["id"])]


def test_an_imported_chunk_is_read_in_batches_and_its_contacts_enter_once(client: Client) -> None:
    from shared.aws import client as aws_client

    segment = json.loads(
        post(
            client, "/segments", {"name": "Leads", "rules": {"field": "lifecycle_stage", "op": "eq", "value": "lead"}}
        ).body
    )
    ids = [f"i{n}" for n in range(40)]
    for contact_id in ids:
        put_facts(contact_id, {"lifecycle_stage": "lead"})
    calls: dict[str, int] = {}

    def count(model: Any, **_: Any) -> None:
        calls[model.name] = calls.get(model.name, 0) + 1

    aws_client("dynamodb").meta.events.register("before-call.dynamodb", count)
    imported = change("i0", "ContactsImported").model_copy(
        update={"detail": {**change("i0").detail, "data": {"import_id": "x", "created": ids, "updated": ids[:5]}}}
    )
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([imported]))) == []
    # 40 contacts x 3 items, 100 keys per BatchGetItem: 2 reads, not 40
    assert calls["BatchGetItem"] == 2
    assert get(client, f"/segments/{segment['id']}")[1]["member_count"] == 40
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([imported]))) == []
    assert len(segment_events()) == 40
