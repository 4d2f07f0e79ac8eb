"""pipeline's OpportunityWon makes the contact a customer, once, never moving it back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from chalice.test import Client

from services.contacts.tests.api.records.test_reach import create, deliver
from shared.events import Event, new_event
from shared.testing import call, pending_outbox


class OpportunityWon(Event):
    """What pipeline publishes (a service never imports another one)."""

    bus_source = "crm.pipeline"
    opportunity_id: str
    contact_id: str
    owner_id: str
    amount: Decimal
    currency: str
    stage: str
    probability: int
    forecast_category: str
    expected_close_date: date
    won_at: datetime


def _won(contact_id: str) -> OpportunityWon:
    fields = {"opportunity_id": "o1", "owner_id": "rep", "amount": Decimal(10), "currency": "EUR", "stage": "won"}
    fields |= {"probability": 100, "forecast_category": "closed", "expected_close_date": date(2027, 1, 1)}
    return OpportunityWon(contact_id=contact_id, won_at=datetime.now(UTC), **fields)


def test_a_won_deal_makes_a_lead_a_customer_once(client: Client) -> None:
    lead = create(client)
    event = new_event(_won(lead["id"]))
    deliver(client, event)
    deliver(client, event)
    assert call(client, "get", f"/{lead['id']}", role="admin").json["lifecycle_stage"] == "customer"
    changed = [e for e in pending_outbox("crm-dev-contacts") if e.detail_type == "ContactUpdated"]
    assert [e.detail["data"]["changed"] for e in changed].count(["lifecycle_stage"]) == 1


def test_a_churned_contact_stays_churned(client: Client) -> None:
    churned = create(client, lifecycle_stage="churned")
    deliver(client, new_event(_won(churned["id"])))
    assert call(client, "get", f"/{churned['id']}", role="admin").json["lifecycle_stage"] == "churned"
