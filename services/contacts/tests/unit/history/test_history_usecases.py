"""History use cases against an in-memory store (no AWS): interactions, orders and
refunds and the 360 metrics they keep, the timeline, recency re-scoring and a merge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from contacts.events import LeadCreated
from contacts.history.merge import merge_metrics
from contacts.history.metrics import Metrics
from contacts.history.models import Channel, Direction, InteractionIn, Order, Refund
from contacts.history.orders import record_order, record_refund
from contacts.history.recency import rescore_due
from contacts.history.usecases import (
    AlreadyRecorded,
    ContactMissing,
    log_interaction,
    metrics_of,
    record_foreign,
    timeline,
)
from contacts.table.keys import TOTALS_PK
from services.contacts.tests.unit.history.fakes import FakeHistory
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing, new_event

TODAY = date(2026, 6, 15)
AT = datetime(2026, 6, 15, 10, tzinfo=UTC)


def order(order_id: str, amount: str, *, at: datetime = AT, contact_id: str = "c1", currency: str = "EUR") -> Order:
    return Order(
        contact_id=contact_id,
        order_id=order_id,
        amount=Decimal(amount),
        currency=currency,
        items=[],
        channel=Channel.WEB,
        occurred_at=at,
        source="api",
    )


def kinds(events: list[Outgoing]) -> list[str]:
    return [e.detail_type for e in events]


def cause() -> EventMetadata:
    event = new_event(LeadCreated(contact_id="c1", email="a@example.com", first_name="A", last_name="B"))
    return EventMetadata.model_validate(event.detail["metadata"])


# --- orders and refunds ---------------------------------------------------------------


def test_an_order_moves_the_metrics_once_and_queues_its_events() -> None:
    store = FakeHistory("c1")
    # When an order is recorded
    metrics = record_order(order("o-1", "120.50"), store, TODAY)
    # Then the contact is a new customer with it, and the events say so
    assert (metrics.order_count, metrics.total_spend, metrics.rfm_group) == (1, Decimal("120.50"), "new")
    assert kinds(store.events) == ["PurchaseRecorded", "ContactMetricsUpdated"]
    assert store.events[1].detail["data"]["total_spend"] == "120.50"
    assert store.contacts_last_bought_on(TODAY) == ["c1"]
    assert store.counters[TOTALS_PK] == {"revenue": Decimal("120.50"), "customers": 1, "active_customers": 1}
    # When the same order is delivered again: AlreadyRecorded, nothing counted twice
    with pytest.raises(AlreadyRecorded):
        record_order(order("o-1", "120.50"), store, TODAY)
    assert store.metrics("c1").order_count == 1
    assert store.counters[TOTALS_PK]["revenue"] == Decimal("120.50") and len(store.events) == 2


def test_an_order_for_an_unknown_contact_writes_nothing() -> None:
    store = FakeHistory()
    with pytest.raises(ContactMissing):
        record_order(order("o-1", "10"), store, TODAY)
    assert store.stored == {} and store.events == [] and store.counters == {}


def test_a_refund_lowers_the_spend_once_but_the_order_still_counts() -> None:
    store = FakeHistory("c1")
    record_order(order("o-1", "300"), store, TODAY)
    refund = Refund(
        contact_id="c1", order_id="o-1", amount=Decimal("100"), currency="EUR", occurred_at=AT, source="api"
    )
    after = record_refund(refund, store, TODAY)
    assert (after.total_spend, after.order_count, after.monetary_score) == (Decimal("200"), 1, 1)
    assert kinds(store.events)[-2:] == ["PurchaseRefunded", "ContactMetricsUpdated"]
    assert store.counters[TOTALS_PK]["revenue"] == Decimal("200")
    with pytest.raises(AlreadyRecorded):
        record_refund(refund, store, TODAY)
    assert store.metrics("c1").total_spend == Decimal("200")


def test_an_order_landing_concurrently_is_not_lost_the_write_retries_from_it() -> None:
    store = FakeHistory("c1")

    # Given another order for the contact commits between this one's read and write
    def other_order() -> None:
        record_order(order("o-other", "50"), store, TODAY)

    store.before_commit = other_order
    record_order(order("o-1", "100"), store, TODAY)
    # Then both count: the VersionConflict made this one recompute from the other
    stored = store.metrics("c1")
    assert stored is not None and (stored.order_count, stored.total_spend) == (2, Decimal("150"))
    assert store.counters[TOTALS_PK]["customers"] == 1  # one customer, two orders
    assert kinds(store.events).count("PurchaseRecorded") == 2


def test_metrics_that_keep_changing_give_up_with_a_conflict() -> None:
    store = FakeHistory("c1")
    record_order(order("o-0", "10"), store, TODAY)
    real_metrics = store.metrics

    def always_stale(contact_id: str) -> Metrics | None:
        read = real_metrics(contact_id)
        return read and Metrics(contact_id, version=read.version - 1)

    store.metrics = always_stale
    with pytest.raises(Conflict):
        record_order(order("o-1", "10"), store, TODAY)
    assert real_metrics("c1").order_count == 1


# --- interactions and other services' events --------------------------------------------


def test_an_interaction_counts_once_per_idempotency_key_and_an_unknown_contact_is_404() -> None:
    store = FakeHistory("c1")
    data = InteractionIn(kind="call", direction=Direction.INBOUND, summary="asked for a quote", occurred_at=AT)
    first = log_interaction("c1", data, "rep-1", store, idempotency_key="k-1")
    # When the client retries with the same key: the first entry comes back, counted once
    assert log_interaction("c1", data, "rep-1", store, idempotency_key="k-1") == first
    stored = store.metrics("c1")
    assert stored is not None and (stored.interaction_count, stored.inbound_count) == (1, 1)
    assert stored.last_engaged_at == AT and first.by == "rep-1"
    assert kinds(store.events) == ["ContactMetricsUpdated"]
    with pytest.raises(NotFound):
        log_interaction("nobody", data, "rep-1", store)


def test_another_services_interaction_counts_once_per_event_and_skips_unknown_contacts() -> None:
    store = FakeHistory("c1")
    ticket = cause()
    for _ in range(2):  # delivered twice
        assert record_foreign(
            "c1", kind="ticket_opened", source="crm.service_desk", cause=ticket, data={}, store=store,
            interaction=Direction.INBOUND,
        )  # fmt: skip
    assert store.metrics("c1").inbound_count == 1
    assert not record_foreign("ghost", kind="lead_assigned", source="crm.pipeline", cause=ticket, data={}, store=store)


def test_the_timeline_is_newest_first_filtered_by_kind_and_paged() -> None:
    store = FakeHistory("c1")
    for day in range(1, 4):
        record_order(order(f"o-{day}", "10", at=AT - timedelta(days=day)), store, TODAY)
    data = InteractionIn(kind="email", direction=Direction.OUTBOUND, summary="hello", occurred_at=AT)
    log_interaction("c1", data, "rep-1", store)
    # Filtered: only the orders, newest first, two a page
    first = timeline("c1", store, 2, None, kind="order")
    assert [e.data["order_id"] for e in first.items] == ["o-1", "o-2"] and first.next_cursor
    rest = timeline("c1", store, 2, first.next_cursor, kind="order")
    assert [e.data["order_id"] for e in rest.items] == ["o-3"] and rest.next_cursor is None
    # Unfiltered: the interaction (today) comes first
    assert timeline("c1", store, 10, None).items[0].kind == "interaction"
    with pytest.raises(NotFound):
        timeline("nobody", store, 10, None)


def test_metrics_of_a_contact_without_orders_are_empty_and_of_nobody_404() -> None:
    store = FakeHistory("c1")
    assert (metrics_of("c1", store, TODAY).order_count, metrics_of("c1", store, TODAY).rfm_group) == (0, None)
    with pytest.raises(NotFound):
        metrics_of("nobody", store, TODAY)


def test_a_deleted_contacts_kept_metrics_are_not_readable() -> None:
    # Given a contact with metrics, deleted (its metrics are kept until an erasure)
    store = FakeHistory("c1")
    store.stored["c1"] = Metrics(contact_id="c1", total_spend=Decimal(5), order_count=1)
    store.profiles.discard("c1")
    # When its metrics are read, then it is not found, like its profile
    with pytest.raises(NotFound):
        metrics_of("c1", store, TODAY)


# --- recency --------------------------------------------------------------------------------


def test_the_recency_job_rescores_only_the_contacts_crossing_a_bound_today() -> None:
    # Given a purchase 31 days ago (recency drops from 5 to 4 today), one 10 days ago,
    # and one 181 days ago (the customer lapses today)
    store = FakeHistory("due", "fresh", "lapsing")
    record_order(order("o-1", "10", at=AT - timedelta(days=31), contact_id="due"), store, TODAY - timedelta(days=1))
    record_order(order("o-2", "10", at=AT - timedelta(days=10), contact_id="fresh"), store, TODAY)
    record_order(
        order("o-3", "10", at=AT - timedelta(days=181), contact_id="lapsing"), store, TODAY - timedelta(days=1)
    )
    store.events.clear()
    before_fresh = store.metrics("fresh")
    store.job_last_run = TODAY - timedelta(days=1)
    # When the daily job runs
    assert rescore_due(store, TODAY) == 2
    # Then the two due contacts are re-scored, the fresh one is untouched
    assert store.metrics("due").recency_score == 4
    lapsed = store.metrics("lapsing")
    assert lapsed is not None and (lapsed.recency_score, lapsed.active) == (1, False)
    assert store.metrics("fresh") == before_fresh
    assert sorted(e.detail["data"]["contact_id"] for e in store.events) == ["due", "lapsing"]
    assert store.counters[f"STATS#{TODAY.isoformat()}"]["lapsed"] == 1
    # And a second run the same day changes nothing
    assert rescore_due(store, TODAY) == 0


# --- merge -----------------------------------------------------------------------------------


def test_a_merge_gives_the_winner_both_histories_once_and_a_redelivery_does_nothing() -> None:
    store = FakeHistory("winner", "loser")
    record_order(order("w-1", "100", contact_id="winner"), store, TODAY)
    record_order(order("l-1", "40", at=AT - timedelta(days=3), contact_id="loser"), store, TODAY)
    # When the loser is merged into the winner
    merged = merge_metrics("winner", "loser", store, TODAY, cause())
    # Then the winner has both orders, the loser's metrics are gone, one customer is counted
    assert merged is not None and (merged.order_count, merged.total_spend) == (2, Decimal("140"))
    assert store.metrics("loser") is None and store.metrics("winner").order_count == 2
    assert store.counters[TOTALS_PK]["customers"] == 1
    assert store.counters[TOTALS_PK]["active_customers"] == 1
    assert "loser" not in store.contacts_last_bought_on((AT - timedelta(days=3)).date())
    # When ContactsMerged is delivered again
    assert merge_metrics("winner", "loser", store, TODAY, cause()) is None
