"""The 360 metrics stay right when contacts merge or are erased (against moto): the
winner's metrics from both histories, day index and analytics totals kept exact."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
from chalice.test import Client

from services.contacts.tests.api.history.test_history_api import (
    NOW,
    OrderRefunded,
    deliver,
    get,
    new_contact,
    order_placed,
    outbox,
)
from shared.events import new_event
from shared.testing import bearer, failed_ids, pending_outbox, sqs_event

TABLE = "crm-dev-contacts"


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def item(pk: str, sk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = ddb().get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")
    return found


def last_purchase_index() -> dict[str, list[str]]:
    """Day -> contacts in the last-purchase day index (test inspection: a scan is fine here)."""
    found: dict[str, list[str]] = {}
    for i in ddb().scan(TableName=TABLE)["Items"]:
        if i["pk"]["S"].startswith("IDX#last_purchase#"):
            found.setdefault(i["pk"]["S"].removeprefix("IDX#last_purchase#"), []).append(i["sk"]["S"])
    return found


def totals() -> dict[str, Decimal]:
    found = item("STATS#ALL", "TOTALS") or {}
    return {k: Decimal(v["N"]) for k, v in found.items() if "N" in v}


def merged_event(winner: str) -> Any:
    [event] = [
        e
        for e in pending_outbox(TABLE)
        if e.detail_type == "ContactsMerged" and e.detail["data"]["winner_id"] == winner
    ]
    return event


def test_after_a_merge_the_winner_has_the_metrics_of_both_histories_once(client: Client) -> None:
    # Given two customers with orders (and a refund): the loser bought first and last
    winner, loser = new_contact(client), new_contact(client)
    deliver(
        client,
        order_placed(winner, "w-1", "100.00", NOW - timedelta(days=100)),
        order_placed(winner, "w-2", "50.00", NOW - timedelta(days=50)),
        order_placed(loser, "l-1", "200.00", NOW - timedelta(days=200)),
        order_placed(loser, "l-2", "30.00", NOW - timedelta(days=5)),
    )
    refund = OrderRefunded(
        contact_id=loser, order_id="l-1", amount="20.00", currency="EUR", occurred_at=NOW.isoformat()
    )
    deliver(client, new_event(refund))
    assert (totals()["customers"], totals()["active_customers"]) == (2, 2)
    updates_before = len(outbox("ContactMetricsUpdated"))

    # When they are merged and ContactsMerged reaches the consumer, before the merge's copy
    # of the loser's orders is visible under the winner (it is published first)
    response = client.http.post(f"/{winner}/merge", headers=bearer("manager"), body=json.dumps({"other_id": loser}))
    assert response.status_code == 200, response.body
    for sk in ("ORDER#l-1", "ORDER#l-2", "REFUND#l-1"):
        ddb().delete_item(TableName=TABLE, Key={"pk": {"S": f"CONTACT#{winner}"}, "sk": {"S": sk}})
    event = merged_event(winner)
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []

    # Then the winner's metrics count all four orders and the refund
    metrics = get(client, f"/{winner}/metrics")
    assert (Decimal(metrics["total_spend"]), metrics["order_count"]) == (Decimal(360), 4)
    assert metrics["first_purchase_at"][:10] == (NOW - timedelta(days=200)).date().isoformat()
    assert metrics["last_purchase_at"][:10] == (NOW - timedelta(days=5)).date().isoformat()
    assert (metrics["frequency_score"], metrics["recency_score"]) == (3, 5)
    # ... the loser's METRICS and both stale day-index entries are gone
    assert item(f"CONTACT#{loser}", "METRICS") is None
    assert last_purchase_index() == {(NOW - timedelta(days=5)).date().isoformat(): [winner]}
    # ... one customer, one active customer, one new customer (on the loser's first day)
    assert (totals()["customers"], totals()["active_customers"]) == (1, 1)
    later_first = item(f"STATS#{(NOW - timedelta(days=100)).date().isoformat()}", "ORDERS") or {}
    assert Decimal(later_first["new_customers"]["N"]) == 0
    # ... and segments (and everyone else) hear of it once
    [update] = outbox("ContactMetricsUpdated")[updates_before:]
    assert (update["contact_id"], update["order_count"]) == (winner, 4)

    # When ContactsMerged is delivered again (a new delivery, past the idempotency window)
    from contacts.bootstrap import history_repository
    from contacts.history.merge import merge_metrics

    assert merge_metrics(winner, loser, history_repository(), NOW.date()) is None
    # Then nothing changes
    assert len(outbox("ContactMetricsUpdated")) == updates_before + 1
    assert (totals()["customers"], totals()["active_customers"]) == (1, 1)


def test_a_merge_with_a_contact_that_never_bought_changes_no_metrics(client: Client) -> None:
    winner, loser = new_contact(client), new_contact(client)
    deliver(client, order_placed(winner, "w-1", "10.00", NOW))
    before = get(client, f"/{winner}/metrics")
    updates_before = len(outbox("ContactMetricsUpdated"))
    response = client.http.post(f"/{winner}/merge", headers=bearer("manager"), body=json.dumps({"other_id": loser}))
    assert response.status_code == 200
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([merged_event(winner)]))) == []
    assert get(client, f"/{winner}/metrics") == before
    assert len(outbox("ContactMetricsUpdated")) == updates_before


def test_erasure_releases_the_metrics_and_the_day_index_entry(client: Client) -> None:
    # Given an active customer and another one
    erased, kept = new_contact(client), new_contact(client)
    deliver(client, order_placed(erased, "e-1", "80.00", NOW), order_placed(kept, "k-1", "20.00", NOW))
    assert totals()["active_customers"] == 2
    # When the first is erased, twice
    for _ in range(2):
        response = client.http.post(f"/{erased}/erase", headers=bearer("admin"))
        assert response.status_code == 200, response.body
    # Then its METRICS and day-index entry are gone, it left the active count once (as a
    # lapse today), and the anonymous revenue stays
    assert item(f"CONTACT#{erased}", "METRICS") is None
    assert last_purchase_index() == {NOW.date().isoformat(): [kept]}
    assert (totals()["active_customers"], totals()["revenue"]) == (1, 100)
    today = item(f"STATS#{NOW.date().isoformat()}", "ORDERS") or {}
    assert Decimal(today["lapsed"]["N"]) == 1
    # And the recency job never meets it
    from contacts.bootstrap import history_repository
    from contacts.history.recency import rescore_due

    assert rescore_due(history_repository(), NOW.date() + timedelta(days=31)) == 1  # the kept one only
