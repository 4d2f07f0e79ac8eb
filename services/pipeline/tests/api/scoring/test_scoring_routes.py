"""Scoring over the API: the model, the score on arrival, behaviour counted once, and a
rule on the score."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.events import Event, new_event
from shared.sample_events import lead_created
from shared.testing import call, failed_ids, pending_outbox, sqs_event

MODEL = {"countries": {"de": 30}, "sources": {"referral": 40}, "events": {"PurchaseRecorded": 20}}


class PurchaseRecorded(Event):
    """The shape contacts publishes (a service never imports another)."""

    bus_source = "crm.contacts"
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    channel: str
    occurred_at: datetime


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def _put(client: Any, body: dict[str, Any], version: str = '"0"', role: str = "admin") -> Any:
    return call(client, "PUT", "/scoring", body, role=role, headers={"If-Match": version})


def test_the_model_has_defaults_and_changes_with_if_match(client: Any) -> None:
    default = call(client, "GET", "/scoring", role="sales")
    assert default.headers["ETag"] == '"0"' and default.json["events"]["PurchaseRecorded"] == 15
    assert _put(client, MODEL, role="manager").status_code == 403
    put = _put(client, MODEL)
    assert put.status_code == 200 and put.json["countries"] == {"DE": 30} and put.headers["ETag"] == '"1"'
    assert _put(client, MODEL).status_code == 409
    bad = _put(client, {"events": {"Sneezed": 1}}, '"1"')
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "events.Sneezed"


def test_a_lead_is_scored_on_arrival_and_by_each_purchase_once(client: Any, table: str) -> None:
    # Given the model, a rule for hot leads (score 70+) to one rep, and two reps
    assert _put(client, MODEL).status_code == 200
    for rep_id in ("hot", "cold"):
        body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com"}
        assert call(client, "POST", "/reps", body).status_code == 201
    rule = {"name": "Hot", "position": 1, "strategy": "fixed", "rep_id": "hot", "when": {"min_score": 70}}
    assert call(client, "POST", "/assignment-rules", rule).status_code == 201
    # When a German referral (30 + 40) and a German lead (30) arrive
    hot, warm = lead_created(country="DE", source="referral"), lead_created(country="DE")
    _deliver(client, hot, warm)
    hot_id, warm_id = hot.detail["data"]["contact_id"], warm.detail["data"]["contact_id"]
    # Then the first is hot's, with its reasons; the second goes round robin
    lead = call(client, "GET", f"/leads/{hot_id}").json
    assert (lead["owner_id"], lead["score"], lead["score_reasons"]) == (
        "hot",
        70,
        ["country DE +30", "source referral +40"],
    )
    assert call(client, "GET", f"/leads/{warm_id}").json["owner_id"] == "cold"
    # When the second buys, and the event comes twice
    bought = new_event(
        PurchaseRecorded(
            contact_id=warm_id,
            order_id=str(uuid.uuid4()),
            amount=Decimal("10"),
            currency="EUR",
            channel="web",
            occurred_at=datetime.now(UTC),
        )
    )
    _deliver(client, bought)
    _deliver(client, bought)
    # Then it is counted once, with LeadScored
    lead = call(client, "GET", f"/leads/{warm_id}").json
    assert (lead["score"], lead["behaviour"]) == (50, {"PurchaseRecorded": 1})
    scored = [e.detail["data"] for e in pending_outbox(table) if e.detail_type == "LeadScored"]
    assert [(s["previous_score"], s["score"]) for s in scored] == [(30, 50)]
