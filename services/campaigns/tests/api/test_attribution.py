"""Attribution against moto: an order within the window after a click counts to that
campaign once, however often its PurchaseRecorded arrives (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.sample_events import purchase_recorded
from shared.testing import failed_ids, pending_outbox, sqs_event

ACCEPT = {"Accept": "*/*"}


def _click(client: Any, campaign_id: str, contact_id: str) -> None:
    from campaigns.tracking.links import click_url

    url = click_url(
        source=f"campaign-{campaign_id}-1",
        campaign_id=campaign_id,
        contact_id=contact_id,
        url="https://shop.example.com/",
        sent_at=datetime.now(UTC) - timedelta(hours=2),
    )
    assert client.http.get(url.split("/campaigns", 1)[1], headers=ACCEPT).status_code == 302


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def _conversions(table: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == "CampaignConversion"]


def test_an_order_after_a_click_counts_its_revenue_once(client: Any, table: str) -> None:
    from campaigns.table.stats import read_counts

    # Given a contact who clicked campaign A's email
    contact = str(uuid.uuid4())
    _click(client, "cmp-a", contact)
    # When their order's PurchaseRecorded arrives, twice, and once more as another event
    order = purchase_recorded(contact, "order-1", "49.90")
    _deliver(client, order)
    _deliver(client, order)
    _deliver(client, purchase_recorded(contact, "order-1", "49.90"))
    # Then one conversion of 4,990 cents, published once
    counts = read_counts("cmp-a")
    assert (counts["conversions"], counts["revenue_cents"]) == (1, 4990)
    (conversion,) = _conversions(table)
    assert conversion == {
        "campaign_id": "cmp-a",
        "contact_id": contact,
        "order_id": "order-1",
        "amount": "49.90",
        "currency": "EUR",
    }


def test_the_last_click_within_the_window_wins_and_older_ones_do_not_count(client: Any, table: str) -> None:
    from campaigns.table.stats import read_counts

    # Given a contact who clicked campaign A, then campaign B
    contact = str(uuid.uuid4())
    _click(client, "cmp-a", contact)
    _click(client, "cmp-b", contact)
    # When they order now, and someone else orders long after their click
    _deliver(client, purchase_recorded(contact, "order-2", "10"))
    late = str(uuid.uuid4())
    _click(client, "cmp-a", late)
    eight_days = (datetime.now(UTC) + timedelta(days=8)).isoformat()
    _deliver(client, purchase_recorded(late, "order-3", "99", occurred_at=eight_days))
    # ... and a contact who never clicked orders
    _deliver(client, purchase_recorded(str(uuid.uuid4()), "order-4", "5"))
    # Then only the first order counts, to B
    assert read_counts("cmp-b")["revenue_cents"] == 1000
    assert "conversions" not in read_counts("cmp-a")
    assert [c["order_id"] for c in _conversions(table)] == ["order-2"]
