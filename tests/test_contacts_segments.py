"""Segments end to end: a purchase's metrics move a contact into its RFM segment, and
SegmentEntered is published once even when the change is delivered twice."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from infra.local.demo.client import Api
from tests.e2e import aws, drain, eventually, headers, tap

pytestmark = pytest.mark.e2e


def test_metrics_move_a_contact_into_its_rfm_segment_once_even_when_delivered_twice(stack: Any) -> None:
    watch = tap(stack, {"source": ["crm.contacts"], "detail-type": ["SegmentEntered", "SegmentExited"]})
    body = {"email": f"seg-{uuid.uuid4().hex[:10]}@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    created = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "sales"))
    assert created.status_code == 201, created.text
    contact_id = created.json()["id"]
    # Given the history area recorded purchases that make the contact a champion (METRICS,
    # in its documented shape) ...
    aws(stack, "dynamodb").put_item(
        TableName="crm-dev-contacts",
        Item={
            "pk": {"S": f"CONTACT#{contact_id}"},
            "sk": {"S": "METRICS"},
            "total_spend": {"N": "6200"},
            "order_count": {"N": "11"},
            "recency_score": {"N": "5"},
            "frequency_score": {"N": "5"},
            "monetary_score": {"N": "5"},
            "rfm_group": {"S": "champions"},
            "value_tier": {"S": "gold"},
        },
    )
    # ... when the change event is delivered twice (same event id), then once more anew
    detail = {
        "metadata": {
            "event_id": str(uuid.uuid4()),
            "event_version": 1,
            "occurred_at": "2026-06-15T12:00:00+00:00",
            "correlation_id": str(uuid.uuid4()),
        },
        "data": {"contact_id": contact_id, "changed": ["tags"], "lifecycle_stage": "lead", "tags": []},
    }
    entry = {"Source": "crm.contacts", "DetailType": "ContactUpdated", "EventBusName": "crm-dev"}
    bus = aws(stack, "events")
    for _ in range(2):
        assert bus.put_events(Entries=[{**entry, "Detail": json.dumps(detail)}])["FailedEntryCount"] == 0
    detail["metadata"]["event_id"] = str(uuid.uuid4())
    bus.put_events(Entries=[{**entry, "Detail": json.dumps(detail)}])

    def members() -> set[str]:  # every page: the session's other tests have champions too
        return {m["contact_id"] for m in Api(stack.url).pages("/contacts/segments/rfm-champions/members", "marketer")}

    # Then the contact is a member of the champions and gold segments ...
    eventually(lambda: contact_id in members())
    segment = stack.session.get(f"{stack.url}/contacts/segments/rfm-champions", headers=headers(stack, "agent")).json()
    assert segment["member_count"] >= 1 and segment["builtin"] is True
    # ... and each SegmentEntered was published exactly once
    seen = [e for e in drain(stack, watch, 4) if e["detail"]["data"]["contact_id"] == contact_id]
    moves = sorted((e["detail-type"], e["detail"]["data"]["segment_id"]) for e in seen)
    assert moves == [("SegmentEntered", "rfm-champions"), ("SegmentEntered", "value-gold")]


def test_segment_definitions_over_http(stack: Any) -> None:
    rules = {
        "all": [
            {"field": "tags", "op": "contains", "value": "vip"},
            {"field": "total_spend", "op": "gte", "value": 100},
        ]
    }
    created = stack.session.post(
        f"{stack.url}/contacts/segments", json={"name": "Big VIPs", "rules": rules}, headers=headers(stack, "marketer")
    )
    assert created.status_code == 201, created.text
    bad = stack.session.post(
        f"{stack.url}/contacts/segments",
        json={"name": "x", "rules": {"any": [{"field": "age", "op": "contains", "value": 3}]}},
        headers=headers(stack, "marketer"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rules.any.0.op"
    listed = stack.session.get(f"{stack.url}/contacts/segments?limit=100", headers=headers(stack, "agent")).json()
    assert created.json()["id"] in {s["id"] for s in listed["items"]}
