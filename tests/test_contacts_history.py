"""A contact's history end to end: partner orders on the bus move the 360 metrics once,
and what the other services publish about a lead lands on its timeline."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from tests.e2e import eventually, headers

pytestmark = pytest.mark.e2e


def get(stack: Any, path: str) -> Any:
    response = stack.session.get(f"{stack.url}{path}", headers=headers(stack, "agent"))
    assert response.status_code == 200, response.text
    return response.json()


def new_lead(stack: Any) -> str:
    body = {"email": f"h-{uuid.uuid4().hex[:10]}@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    response = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "sales"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def put_partner_order(stack: Any, detail: dict[str, Any]) -> None:
    events = boto3.client(
        "events",
        endpoint_url=stack.emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    entry = {
        "Source": "partner.shop",
        "DetailType": "OrderPlaced",
        "Detail": json.dumps(detail),
        "EventBusName": "crm-dev",
    }
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def kinds(stack: Any, contact_id: str) -> list[str]:
    return [e["kind"] for e in get(stack, f"/contacts/{contact_id}/timeline?limit=100")["items"]]


def test_a_partner_order_delivered_twice_moves_the_metrics_once(stack: Any) -> None:
    # Given a contact and a partner's order event
    contact = new_lead(stack)
    now = datetime.now(UTC).isoformat()
    detail = {
        "metadata": {"event_id": str(uuid.uuid4()), "event_version": 1, "occurred_at": now, "correlation_id": "c-1"},
        "data": {
            "contact_id": contact,
            "order_id": f"o-{uuid.uuid4().hex[:8]}",
            "amount": "250.00",
            "currency": "EUR",
            "channel": "web",
            "occurred_at": now,
        },
    }
    # When the partner puts it on the bus twice
    put_partner_order(stack, detail)
    put_partner_order(stack, detail)
    # Then the contact's metrics count it once and the timeline shows it once
    metrics = eventually(lambda: (m := get(stack, f"/contacts/{contact}/metrics"))["order_count"] and m)
    assert Decimal(metrics["total_spend"]) == Decimal("250.00")
    assert (metrics["recency_score"], metrics["monetary_score"], metrics["value_tier"]) == (5, 2, "bronze")
    time.sleep(1.5)  # give the second delivery its chance to (wrongly) count
    assert get(stack, f"/contacts/{contact}/metrics")["order_count"] == 1
    assert kinds(stack, contact).count("order") == 1


def test_a_leads_timeline_shows_assignment_welcome_email_and_points(stack: Any) -> None:
    # Given an active rep
    rep = {"name": "Grace", "email": f"grace-{uuid.uuid4().hex[:6]}@example.com", "capacity": 1000}
    response = stack.session.post(f"{stack.url}/pipeline/reps", json=rep, headers=headers(stack, "manager"))
    assert response.status_code == 201, response.text
    # When a lead is created
    contact = new_lead(stack)
    # Then its timeline collects what pipeline, campaigns and loyalty published about it
    wanted = {"lead_assigned", "email_sent", "points_accrued"}
    found = eventually(lambda: wanted <= set(kinds(stack, contact)) and kinds(stack, contact), timeout=20)
    assert all(found.count(kind) == 1 for kind in wanted)
