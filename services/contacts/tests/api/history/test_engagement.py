"""Engagement against moto: interactions and orders keep last_engaged_at and the
interaction counts on METRICS (once per interaction), and segments over engagement gain
contacts through ContactMetricsUpdated and lose them on their due day."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from services.contacts.tests.api.segments.test_segments_time import due_entries
from shared.events import Outgoing
from shared.testing import bearer, failed_ids, pending_outbox, sqs_event

TABLE = "crm-dev-contacts"
NOW = datetime.now(UTC).replace(microsecond=0)
ENGAGED = {"field": "last_engaged_at", "op": "within_days", "value": 30}


@pytest.fixture(autouse=True)
def fresh_definitions(table: str) -> None:
    from contacts.bootstrap import segment_store

    segment_store().forget_definitions()  # a new table per test


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def new_contact(client: Client) -> str:
    body = {"email": f"e-{uuid.uuid4().hex[:8]}@example.com", "first_name": "Grace", "last_name": "Hopper"}
    response = client.http.post("/", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def interact(client: Client, contact: str, direction: str, when: datetime, key: str | None = None) -> Any:
    body = {"kind": "call", "direction": direction, "summary": "about the order", "occurred_at": when.isoformat()}
    headers = {**bearer("agent"), **({"Idempotency-Key": key} if key else {})}
    response = client.http.post(f"/{contact}/interactions", headers=headers, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def order(client: Client, contact: str, order_id: str, when: datetime) -> None:
    body = {
        "order_id": order_id,
        "amount": "40.00",
        "currency": "EUR",
        "channel": "web",
        "occurred_at": when.isoformat(),
    }
    response = client.http.post(f"/{contact}/orders", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 201, response.body


def metrics(client: Client, contact: str) -> Any:
    response = client.http.get(f"/{contact}/metrics", headers=bearer("agent"))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def engagement(client: Client, contact: str) -> tuple[datetime | None, int, int]:
    m = metrics(client, contact)
    engaged = datetime.fromisoformat(m["last_engaged_at"]) if m["last_engaged_at"] else None
    return engaged, m["interaction_count"], m["inbound_count"]


def outbox(detail_type: str) -> list[Outgoing]:
    return [e for e in pending_outbox(TABLE) if e.detail_type == detail_type]


def forget_idempotency_records() -> None:
    """What 24 h do to the API's Idempotency-Key records (or a crash before one is saved)."""
    key = {":pk": {"S": "IDEMPOTENCY#contacts-api"}}
    items = ddb().query(TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues=key)["Items"]
    for item in items:
        ddb().delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})


# --- the facts on METRICS ---------------------------------------------------------------


def test_an_inbound_interaction_sets_last_engaged_at_and_counts(client: Client) -> None:
    contact = new_contact(client)
    when = NOW - timedelta(days=2)
    interact(client, contact, "inbound", when)
    assert engagement(client, contact) == (when, 1, 1)
    # Segments and other services hear of it with the new facts
    [update] = [e.detail["data"] for e in outbox("ContactMetricsUpdated")]
    assert (update["contact_id"], update["interaction_count"], update["inbound_count"]) == (contact, 1, 1)
    assert datetime.fromisoformat(update["last_engaged_at"]) == when
    # An interaction moves no RFM score: the contact still has no purchase
    assert metrics(client, contact)["order_count"] == 0 and metrics(client, contact)["rfm_group"] is None


def test_an_outbound_interaction_counts_but_is_not_engagement(client: Client) -> None:
    contact = new_contact(client)
    interact(client, contact, "outbound", NOW - timedelta(hours=1))
    assert engagement(client, contact) == (None, 1, 0)
    # An older inbound one sets it; a newer outbound one does not move it
    earlier = NOW - timedelta(days=5)
    interact(client, contact, "inbound", earlier)
    interact(client, contact, "outbound", NOW)
    assert engagement(client, contact) == (earlier, 3, 1)
    assert len(outbox("ContactMetricsUpdated")) == 3


def test_a_repeated_interaction_counts_once(client: Client) -> None:
    contact = new_contact(client)
    first = interact(client, contact, "inbound", NOW, key="call-42")
    # When the client retries: replayed by the API's Idempotency-Key record ...
    assert interact(client, contact, "inbound", NOW, key="call-42") == first
    # ... and once that record is gone, the interaction's own claim still holds
    forget_idempotency_records()
    assert interact(client, contact, "inbound", NOW, key="call-42")["id"] == first["id"]
    # Then it counted once, is on the timeline once, and was announced once
    assert engagement(client, contact) == (NOW, 1, 1)
    response = client.http.get(f"/{contact}/interactions", headers=bearer("agent"))
    assert [i["id"] for i in json.loads(response.body)["items"]] == [first["id"]]
    assert len(outbox("ContactMetricsUpdated")) == 1
    # Another key is another interaction
    interact(client, contact, "inbound", NOW, key="call-43")
    assert engagement(client, contact)[1:] == (2, 2)


def test_an_interaction_for_an_unknown_contact_is_404_and_writes_nothing(client: Client) -> None:
    body = {"kind": "call", "direction": "inbound", "summary": "hi", "occurred_at": NOW.isoformat()}
    response = client.http.post("/nobody/interactions", headers=bearer("agent"), body=json.dumps(body))
    assert response.status_code == 404
    assert not [i for i in ddb().scan(TableName=TABLE)["Items"] if i["pk"]["S"] == "CONTACT#nobody"]


def test_an_order_is_engagement_too_whichever_is_newer(client: Client) -> None:
    contact = new_contact(client)
    talked = NOW - timedelta(days=3)
    interact(client, contact, "inbound", talked)
    # A newer order moves it; an older (late) order does not move it back
    order(client, contact, "o-1", NOW - timedelta(days=1))
    assert engagement(client, contact) == (NOW - timedelta(days=1), 1, 1)
    order(client, contact, "o-0", NOW - timedelta(days=20))
    assert engagement(client, contact) == (NOW - timedelta(days=1), 1, 1)
    [*_, update] = [e.detail["data"] for e in outbox("ContactMetricsUpdated")]
    assert (update["order_count"], update["interaction_count"]) == (2, 1)


def test_a_merge_adds_up_both_contacts_engagement(client: Client) -> None:
    from contacts.bootstrap import history_repository
    from contacts.history.merge import merge_metrics

    winner, loser = new_contact(client), new_contact(client)
    interact(client, winner, "outbound", NOW - timedelta(days=1))
    interact(client, loser, "inbound", NOW - timedelta(days=4))
    interact(client, loser, "inbound", NOW - timedelta(days=6))
    merged = merge_metrics(winner, loser, history_repository(), NOW.date())
    assert merged is not None
    assert (merged.last_engaged_at, merged.interaction_count, merged.inbound_count) == (NOW - timedelta(days=4), 3, 2)
    assert engagement(client, winner) == (NOW - timedelta(days=4), 3, 2)
    # A redelivery changes nothing
    assert merge_metrics(winner, loser, history_repository(), NOW.date()) is None


# --- segments over engagement -----------------------------------------------------------


def deliver_metrics_updates(client: Client) -> None:
    """What the relay and the bus do: the queued ContactMetricsUpdated reach on_event."""
    events = outbox("ContactMetricsUpdated")
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def test_an_engaged_contact_enters_and_the_daily_job_removes_it_after_30_days(client: Client) -> None:
    from contacts.bootstrap import segment_store
    from contacts.segments.due import reevaluate_due

    created = client.http.post(
        "/segments", headers=bearer("marketer"), body=json.dumps({"name": "Engaged lately", "rules": ENGAGED})
    )
    assert created.status_code == 201, created.body
    segment_id = json.loads(created.body)["id"]
    engaged, quiet = new_contact(client), new_contact(client)
    talked = NOW - timedelta(days=10)
    interact(client, engaged, "inbound", talked)
    interact(client, quiet, "outbound", NOW)  # we called them: not engagement
    # When the metrics updates reach segments
    deliver_metrics_updates(client)
    # Then the engaged contact entered (once), the quiet one did not
    moves = [
        (e.detail_type, e.detail["data"]["contact_id"])
        for e in pending_outbox(TABLE)
        if e.detail_type in ("SegmentEntered", "SegmentExited") and e.detail["data"]["segment_id"] == segment_id
    ]
    assert moves == [("SegmentEntered", engaged)]
    # ... and it is due the day after its 30 days end, exactly as for last_purchase_at
    leaves = (talked + timedelta(days=30)).date() + timedelta(days=1)
    assert due_entries() == {leaves.isoformat(): [engaged]}
    # When the daily job runs the day before, nothing changes; on the due day it leaves
    store = segment_store()
    just_after_midnight = datetime.combine(leaves, datetime.min.time(), UTC) + timedelta(minutes=20)
    assert reevaluate_due(store, just_after_midnight - timedelta(days=1)) == 0
    assert reevaluate_due(store, just_after_midnight) == 1
    exits = [e.detail["data"] for e in outbox("SegmentExited")]
    assert [(x["segment_id"], x["contact_id"]) for x in exits] == [(segment_id, engaged)]
    assert store.get(segment_id).member_count == 0
    assert due_entries() == {}


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ({"field": "last_engaged_at", "op": "within_days", "value": 0}, "rules.value"),
        ({"field": "last_engaged_at", "op": "eq", "value": 3}, "rules.op"),
        ({"field": "inbound_count", "op": "within_days", "value": 3}, "rules.op"),
        ({"all": [{"field": "interaction_count", "op": "contains", "value": 3}]}, "rules.all.0.op"),
        ({"field": "engagement", "op": "gt", "value": 3}, "rules.field"),
    ],
)
def test_bad_engagement_rules_are_422_naming_the_node(client: Client, rules: dict[str, Any], path: str) -> None:
    response = client.http.post("/segments", headers=bearer("marketer"), body=json.dumps({"name": "x", "rules": rules}))
    assert response.status_code == 422
    assert [e["field"] for e in json.loads(response.body)["errors"]] == [path]
