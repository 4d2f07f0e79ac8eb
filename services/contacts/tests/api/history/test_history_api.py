"""History over HTTP and through the on_event consumer, against moto's in-process AWS:
interactions, orders (API and partner events), the timeline, metrics, the recency job."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.testing import use_in_process_aws

use_in_process_aws()  # before the contacts modules bind their table to the settings

import boto3  # noqa: E402
from chalice.test import Client  # noqa: E402

from shared.events import Event, Outgoing, new_event  # noqa: E402
from shared.sample_events import LeadAssigned  # noqa: E402
from shared.testing import bearer, failed_ids, pending_outbox, sqs_event  # noqa: E402

SERVICE_DIR = Path(__file__).resolve().parents[3]
TABLE = "crm-dev-contacts"
NOW = datetime.now(UTC).replace(microsecond=0)


# What the other services publish (a service never imports another one).
class TicketOpened(Event):
    bus_source = "crm.service_desk"
    ticket_id: str
    contact_id: str
    subject: str
    channel: str = "email"
    priority: str = "normal"


class PointsAccrued(Event):
    bus_source = "crm.loyalty"
    contact_id: str
    points: int
    reason: str
    balance: int
    entry_id: str


class EmailSent(Event):
    bus_source = "crm.campaigns"
    message_id: str
    contact_id: str
    template: str
    ses_message_id: str


class OrderPlaced(Event):
    bus_source = "partner.shop"
    contact_id: str
    order_id: str
    amount: str
    currency: str
    channel: str
    occurred_at: str
    items: list[dict[str, Any]] = []


class OrderRefunded(Event):
    bus_source = "partner.shop"
    contact_id: str
    order_id: str
    amount: str
    currency: str
    occurred_at: str


def new_contact(client: Client) -> str:
    body = {"email": f"p-{uuid.uuid4().hex[:8]}@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    response = client.http.post("/", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def deliver(client: Client, *events: Outgoing) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def order_placed(contact_id: str, order_id: str = "o-1", amount: str = "120.50", when: datetime = NOW) -> Outgoing:
    return new_event(
        OrderPlaced(
            contact_id=contact_id,
            order_id=order_id,
            amount=amount,
            currency="EUR",
            channel="web",
            occurred_at=when.isoformat(),
            items=[{"sku": "B-1", "name": "Book", "quantity": 1, "unit_price": amount}],
        )
    )


def get(client: Client, path: str, role: str = "agent") -> Any:
    response = client.http.get(path, headers=bearer(role))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def outbox(detail_type: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(TABLE) if e.detail_type == detail_type]


# --- interactions -------------------------------------------------------------------


def test_an_interaction_is_logged_by_the_caller_and_listed_newest_first(client: Client) -> None:
    contact = new_contact(client)
    for hours, summary in ((2, "first call"), (1, "follow-up")):
        body = {
            "kind": "call",
            "direction": "outbound",
            "summary": summary,
            "occurred_at": (NOW - timedelta(hours=hours)).isoformat(),
        }
        response = client.http.post(f"/{contact}/interactions", headers=bearer("agent"), body=json.dumps(body))
        assert response.status_code == 201, response.body
    page = get(client, f"/{contact}/interactions")
    assert [i["data"]["summary"] for i in page["items"]] == ["follow-up", "first call"]
    assert page["items"][0]["by"] == "dev-agent" and page["items"][0]["kind"] == "interaction"


def test_who_logged_an_interaction_comes_from_the_token_never_the_body(client: Client) -> None:
    contact = new_contact(client)
    body = {"kind": "call", "direction": "inbound", "summary": "x", "occurred_at": NOW.isoformat(), "by": "someone"}
    response = client.http.post(f"/{contact}/interactions", headers=bearer("agent"), body=json.dumps(body))
    assert response.status_code == 422 and [e["field"] for e in json.loads(response.body)["errors"]] == ["by"]
    assert get(client, f"/{contact}/interactions")["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "fax", "direction": "inbound", "summary": "x", "occurred_at": NOW.isoformat()}, "kind"),
        ({"kind": "call", "direction": "up", "summary": "x", "occurred_at": NOW.isoformat()}, "direction"),
        ({"kind": "call", "direction": "inbound", "summary": "x", "occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        ({"kind": "call", "direction": "inbound", "summary": "", "occurred_at": NOW.isoformat()}, "summary"),
    ],
)
def test_a_bad_interaction_is_422_naming_the_field(client: Client, body: dict[str, Any], field: str) -> None:
    contact = new_contact(client)
    response = client.http.post(f"/{contact}/interactions", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 422
    assert field in [e["field"] for e in json.loads(response.body)["errors"]]


def test_interactions_of_an_unknown_contact_are_404_and_marketers_may_not_log_them(client: Client) -> None:
    body = {"kind": "call", "direction": "inbound", "summary": "hi", "occurred_at": NOW.isoformat()}
    assert client.http.post("/nobody/interactions", headers=bearer("agent"), body=json.dumps(body)).status_code == 404
    assert client.http.get("/nobody/timeline", headers=bearer("agent")).status_code == 404
    contact = new_contact(client)
    response = client.http.post(f"/{contact}/interactions", headers=bearer("marketer"), body=json.dumps(body))
    assert response.status_code == 403


# --- orders -------------------------------------------------------------------------


def test_an_order_over_the_api_moves_the_metrics_and_queues_its_events(client: Client) -> None:
    contact = new_contact(client)
    body = {
        "order_id": "A-100",
        "amount": "300.00",
        "currency": "EUR",
        "channel": "phone",
        "occurred_at": NOW.isoformat(),
        "items": [{"sku": "S1", "name": "Shoes", "quantity": 2, "unit_price": "150.00"}],
    }
    response = client.http.post(f"/{contact}/orders", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    metrics = get(client, f"/{contact}/metrics")
    assert (Decimal(metrics["total_spend"]), metrics["order_count"]) == (Decimal("300.00"), 1)
    assert (metrics["recency_score"], metrics["rfm_group"], metrics["value_tier"]) == (5, "new", "bronze")
    [purchase] = outbox("PurchaseRecorded")
    assert (purchase["order_id"], purchase["channel"], Decimal(purchase["amount"])) == ("A-100", "phone", 300)
    [updated] = outbox("ContactMetricsUpdated")
    assert (updated["contact_id"], updated["order_count"], updated["rfm_group"]) == (contact, 1, "new")
    # The same order again is a 409 naming order_id, and changes nothing
    again = client.http.post(f"/{contact}/orders", headers=bearer("sales"), body=json.dumps(body))
    assert again.status_code == 409
    assert json.loads(again.body)["errors"][0]["field"] == "order_id"
    assert get(client, f"/{contact}/metrics")["order_count"] == 1
    assert len(outbox("PurchaseRecorded")) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"currency": "euro"}, "currency"),
        ({"channel": "fax"}, "channel"),
        ({"items": [{"sku": "x"}]}, "items.0.name"),
    ],
)
def test_a_bad_order_is_422_naming_the_field(client: Client, change: dict[str, Any], field: str) -> None:
    contact = new_contact(client)
    body = {"order_id": "A-1", "amount": "10", "currency": "EUR", "channel": "web", "occurred_at": NOW.isoformat()}
    response = client.http.post(f"/{contact}/orders", headers=bearer("sales"), body=json.dumps({**body, **change}))
    assert response.status_code == 422
    assert field in [e["field"] for e in json.loads(response.body)["errors"]]


def test_a_partner_order_delivered_twice_is_recorded_once(client: Client) -> None:
    # Given a contact and a partner's OrderPlaced
    contact = new_contact(client)
    event = order_placed(contact)
    # When it is delivered twice, and the partner re-sends the same order under a new event id
    deliver(client, event)
    deliver(client, event, order_placed(contact))
    # Then the order counts once, on the timeline and in the metrics
    metrics = get(client, f"/{contact}/metrics")
    assert (Decimal(metrics["total_spend"]), metrics["order_count"]) == (Decimal("120.50"), 1)
    orders = get(client, f"/{contact}/timeline?kind=order")["items"]
    assert [o["data"]["order_id"] for o in orders] == ["o-1"]
    assert len(outbox("PurchaseRecorded")) == 1


def test_a_refund_reduces_spend_once(client: Client) -> None:
    contact = new_contact(client)
    deliver(client, order_placed(contact, amount="500.00"))
    refund = new_event(
        OrderRefunded(contact_id=contact, order_id="o-1", amount="200.00", currency="EUR", occurred_at=NOW.isoformat())
    )
    deliver(client, refund, refund)
    metrics = get(client, f"/{contact}/metrics")
    assert (Decimal(metrics["total_spend"]), metrics["order_count"], metrics["value_tier"]) == (
        Decimal(300),
        1,
        "bronze",
    )
    assert sorted(e["kind"] for e in get(client, f"/{contact}/timeline")["items"]) == ["order", "refund"]
    assert len(outbox("PurchaseRefunded")) == 1


def test_a_partner_order_for_an_unknown_contact_is_dropped_and_a_malformed_one_fails(client: Client) -> None:
    deliver(client, order_placed("nobody"))
    assert outbox("PurchaseRecorded") == []
    bad = new_event(
        OrderPlaced(
            contact_id="x", order_id="o", amount="-1", currency="EUR", channel="web", occurred_at=NOW.isoformat()
        )
    )
    assert len(failed_ids(client.lambda_.invoke("on_event", sqs_event([bad])))) == 1


# --- the timeline -------------------------------------------------------------------


def test_the_timeline_merges_other_services_events_once_and_paginates(client: Client) -> None:
    contact = new_contact(client)
    events = [
        new_event(LeadAssigned(contact_id=contact, owner_id="rep-1")),
        new_event(TicketOpened(ticket_id="t-1", contact_id=contact, subject="Where is my order?")),
        new_event(PointsAccrued(contact_id=contact, points=100, reason="signup", balance=100, entry_id="e-1")),
        new_event(EmailSent(message_id="m-1", contact_id=contact, template="welcome", ses_message_id="s-1")),
        order_placed(contact),
    ]
    deliver(client, *events)
    deliver(client, *events)  # a redelivery changes nothing
    kinds = [e["kind"] for e in get(client, f"/{contact}/timeline")["items"]]
    assert sorted(kinds) == sorted(["lead_assigned", "ticket_opened", "points_accrued", "email_sent", "order"])
    # newest first, in pages
    first = get(client, f"/{contact}/timeline?limit=3")
    second = get(client, f"/{contact}/timeline?limit=3&cursor={first['next_cursor']}")
    both = first["items"] + second["items"]
    assert [e["id"] for e in both] == sorted((e["id"] for e in both), reverse=True)
    assert len({e["id"] for e in both}) == 5
    # ... and records still recorded the owner from the same LeadAssigned
    assert get(client, f"/{contact}")["owner_id"] == "rep-1"


def test_a_ticket_is_inbound_engagement_and_an_email_an_outbound_interaction_each_counted_once(
    client: Client,
) -> None:
    # Given a contact who opened a ticket and was sent an email
    contact = new_contact(client)
    ticket = new_event(TicketOpened(ticket_id="t-9", contact_id=contact, subject="Broken screen"))
    email = new_event(EmailSent(message_id="m-9", contact_id=contact, template="welcome", ses_message_id="s-9"))
    # When both are delivered, again, and again once the consumer's idempotency records are gone
    deliver(client, ticket, email)
    deliver(client, ticket, email)
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    for item in ddb.scan(TableName=TABLE)["Items"]:  # test inspection only
        if item["pk"]["S"].startswith("IDEMPOTENCY#"):
            ddb.delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})
    deliver(client, ticket, email)
    # Then the ticket made them engaged, and each counted once
    metrics = get(client, f"/{contact}/metrics")
    assert (metrics["interaction_count"], metrics["inbound_count"]) == (2, 1)
    assert metrics["last_engaged_at"] == ticket.detail["metadata"]["occurred_at"]
    kinds = [e["kind"] for e in get(client, f"/{contact}/timeline")["items"]]
    assert sorted(kinds) == ["email_sent", "ticket_opened"]


def test_an_event_about_an_unknown_contact_is_skipped(client: Client) -> None:
    deliver(client, new_event(TicketOpened(ticket_id="t-1", contact_id="nobody", subject="hello")))
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    assert not [i for i in items if i["pk"]["S"] == "CONTACT#nobody"]


# --- recency decays with time ---------------------------------------------------------


def test_the_daily_job_rescores_only_contacts_crossing_a_recency_bound(client: Client) -> None:
    from contacts.bootstrap import history_repository
    from contacts.history.recency import rescore_due

    crossing, staying = new_contact(client), new_contact(client)
    tomorrow = NOW.date() + timedelta(days=1)
    deliver(client, order_placed(crossing, when=NOW - timedelta(days=30)))
    deliver(client, order_placed(staying, when=NOW - timedelta(days=10)))
    assert get(client, f"/{crossing}/metrics")["recency_score"] == 5
    before = len(outbox("ContactMetricsUpdated"))
    # When the job runs tomorrow, then runs again
    assert rescore_due(history_repository(), tomorrow) == 1
    assert rescore_due(history_repository(), tomorrow) == 0
    # Then only the contact past 30 days was re-scored, once
    updates = outbox("ContactMetricsUpdated")[before:]
    assert [(u["contact_id"], u["recency_score"]) for u in updates] == [(crossing, 4)]


def test_the_daily_job_says_nothing_about_a_deleted_contact(client: Client) -> None:
    from contacts.bootstrap import history_repository
    from contacts.history.recency import rescore_due

    contact = new_contact(client)
    deliver(client, order_placed(contact, when=NOW - timedelta(days=30)))
    deleted = client.http.delete(f"/{contact}", headers=bearer("admin"))
    assert deleted.status_code == 204
    before = len(outbox("ContactMetricsUpdated"))
    # When the job runs past the contact's recency bound
    rescore_due(history_repository(), NOW.date() + timedelta(days=1))
    # Then its kept metrics are not re-scored, nor published
    assert [u for u in outbox("ContactMetricsUpdated")[before:] if u["contact_id"] == contact] == []


def test_a_customer_lapsing_after_180_days_counts_as_churned(client: Client) -> None:
    from contacts.bootstrap import history_repository
    from contacts.history.recency import rescore_due

    contact = new_contact(client)
    deliver(client, order_placed(contact, when=NOW - timedelta(days=170)))
    # ten days on (the job catches up the days it missed)
    later = NOW.date() + timedelta(days=11)
    rescore_due(history_repository(), NOW.date())
    assert rescore_due(history_repository(), later) == 1
    report = get(client, f"/analytics?from={NOW.date() + timedelta(days=1)}&to={later}", role="manager")
    assert (report["lapsed"], report["active_at_start"]) == (1, 1)
    assert (Decimal(report["churn_rate"]), Decimal(report["retention_rate"])) == (1, 0)


# --- analytics ----------------------------------------------------------------------


def test_analytics_from_counters(client: Client) -> None:
    a, b = new_contact(client), new_contact(client)
    day = NOW - timedelta(days=5)
    deliver(client, order_placed(a, "a-1", "100.00", day), order_placed(a, "a-2", "50.00", NOW))
    deliver(client, order_placed(b, "b-1", "30.00", NOW))
    refund = new_event(
        OrderRefunded(contact_id=a, order_id="a-2", amount="20.00", currency="EUR", occurred_at=NOW.isoformat())
    )
    deliver(client, refund)
    report = get(client, f"/analytics?from={day.date()}&to={NOW.date()}", role="marketer")
    assert (report["new_customers"], report["orders"], report["repeat_orders"], report["refunds"]) == (2, 3, 1, 1)
    assert Decimal(report["revenue"]) == Decimal("160.00")
    assert Decimal(report["repeat_purchase_rate"]) == Decimal("0.3333")
    assert {k: Decimal(v) for k, v in report["revenue_by_channel"].items()} == {"web": Decimal("180.00")}
    assert sum(Decimal(v) for v in report["revenue_by_rfm_group"].values()) == Decimal("180.00")
    assert report["customers"] == 2 and Decimal(report["average_ltv"]) == Decimal(80)
    # a period before any order
    empty = get(client, "/analytics?from=2020-01-01&to=2020-01-31", role="admin")
    assert (empty["orders"], empty["churn_rate"], empty["revenue_by_channel"]) == (0, None, {})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-01-01&to=", "to"),
        ("from=yesterday&to=2026-01-01", "from"),
        ("to=2026-01-32", "to"),
        ("from=2026-01-01&period=week", "period"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("from=2024-01-01&to=2026-01-01", "to"),
    ],
)
def test_analytics_bad_period_is_400_naming_the_field(client: Client, query: str, field: str) -> None:
    response = client.http.get(f"/analytics?{query}", headers=bearer("manager"))
    assert response.status_code == 400
    assert json.loads(response.body)["errors"][0]["field"] == field


def test_analytics_are_not_for_sales_or_agents(client: Client) -> None:
    assert client.http.get("/analytics?from=2026-01-01&to=2026-01-02", headers=bearer("sales")).status_code == 403


def test_metrics_of_a_contact_without_orders_are_empty(client: Client) -> None:
    contact = new_contact(client)
    metrics = get(client, f"/{contact}/metrics")
    assert (metrics["order_count"], Decimal(metrics["total_spend"]), metrics["rfm_group"]) == (0, 0, None)
    assert client.http.get("/nobody/metrics", headers=bearer("agent")).status_code == 404
    assert date.fromisoformat(metrics["scored_on"]) == datetime.now(UTC).date()
