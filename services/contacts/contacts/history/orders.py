"""Orders and refunds: each one atomic write (see contacts/history/usecases.py): the claim
of its order_id, its timeline entry, the new METRICS, the last-purchase day index, the
analytics counters and its events."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from contacts.events import PurchaseRecorded, PurchaseRefunded
from contacts.history.metrics import REPORTING_CURRENCY, Metrics
from contacts.history.models import Order, Refund, TimelineEntry
from contacts.history.usecases import (
    Counters,
    HistoryStore,
    HistoryWrite,
    entry_id,
    metrics_event,
    outgoing,
    with_retries,
)
from contacts.table.keys import order_sk, refund_sk
from shared.events import EventMetadata, Outgoing


def _money(value: Decimal) -> str:
    return str(value)


def _purchase_counters(order: Order, before: Metrics, after: Metrics, today: date) -> tuple[Counters, Metrics]:
    """The analytics counters an order moves (and ``after`` marked active if it activates)."""
    day = order.occurred_at.date()
    counters = Counters()
    counters.day(day, orders=1, **{f"orders_channel_{order.channel.value}": 1})
    if order.currency == REPORTING_CURRENCY:
        assert after.rfm_group is not None and after.value_tier is not None
        # Revenue by segment: the segment this purchase put the contact in.
        counters.day(
            day,
            revenue=order.amount,
            **{
                f"revenue_channel_{order.channel.value}": order.amount,
                f"revenue_rfm_{after.rfm_group.value}": order.amount,
                f"revenue_tier_{after.value_tier.value}": order.amount,
            },
        )
        counters.totals(revenue=order.amount)
    if before.first_purchase_at is None:
        counters.day(day, new_customers=1)
        counters.totals(customers=1)
    else:
        counters.day(day, repeat_orders=1)
        if before.first_purchase_at.date() > day:
            # A late, earlier order: the customer was new on that earlier day instead.
            counters.day(before.first_purchase_at.date(), new_customers=-1)
            counters.day(day, new_customers=1)
    if not before.active and after.is_active_on(today):
        # Counted on the processing day, like lapses, so the running total reconciles.
        counters.day(today, activated=1)
        counters.totals(active_customers=1)
        after = replace(after, active=True)
    return counters, after


def purchase_write(order: Order, before: Metrics, today: date, events: list[Outgoing]) -> HistoryWrite:
    """What recording ``order`` writes, given the contact's metrics before it."""
    after = before.with_purchase(order.amount, order.currency, order.occurred_at).scored(today)
    counters, after = _purchase_counters(order, before, after, today)
    old_day = before.last_purchase_at.date() if before.last_purchase_at else None
    new_day = after.last_purchase_at.date() if after.last_purchase_at else None
    moved = old_day != new_day
    entry = TimelineEntry(
        id=entry_id(order.occurred_at, "order", order.order_id),
        kind="order",
        occurred_at=order.occurred_at,
        source=order.source,
        data={
            "order_id": order.order_id,
            "amount": _money(order.amount),
            "currency": order.currency,
            "channel": order.channel.value,
            "items": order.items,
        },
    )
    claim = {
        "amount": order.amount,
        "currency": order.currency,
        "channel": order.channel.value,
        "occurred_at": order.occurred_at.isoformat(),
        "source": order.source,
        "items": json.dumps(order.items, separators=(",", ":")),
        "rfm_group": after.rfm_group.value if after.rfm_group else None,
        "value_tier": after.value_tier.value if after.value_tier else None,
    }
    return HistoryWrite(
        contact_id=order.contact_id,
        metrics=after,
        events=events,
        counters=counters,
        claim_sk=order_sk(order.order_id),
        claim=claim,
        entry=entry,
        index_put=new_day if moved else None,
        index_delete=old_day if moved else None,
    )


def record_order(
    order: Order,
    store: HistoryStore,
    today: date,
    cause: EventMetadata | None = None,
    correlation_id: str | None = None,
) -> Metrics:
    """Record an order once. Raises AlreadyRecorded (duplicate) or ContactMissing."""

    def build(before: Metrics) -> HistoryWrite:
        purchase = PurchaseRecorded(
            contact_id=order.contact_id,
            order_id=order.order_id,
            amount=order.amount,
            currency=order.currency,
            channel=order.channel.value,
            occurred_at=order.occurred_at,
        )
        write = purchase_write(order, before, today, [])
        write.events = [
            outgoing(purchase, cause, correlation_id),
            outgoing(metrics_event(write.metrics), cause, correlation_id),
        ]
        return write

    return with_retries(order.contact_id, store, build)


def record_refund(refund: Refund, store: HistoryStore, today: date, cause: EventMetadata | None = None) -> Metrics:
    """Record an order's refund once (it need not arrive after the order: sums commute)."""

    def build(before: Metrics) -> HistoryWrite:
        after = before.with_refund(refund.amount, refund.currency).scored(today)
        after = replace(after, active=before.active)
        counters = Counters()
        day = refund.occurred_at.date()
        counters.day(day, refunds=1)
        if refund.currency == REPORTING_CURRENCY:
            counters.day(day, refunded=refund.amount, revenue=-refund.amount)
            counters.totals(revenue=-refund.amount)
        event = PurchaseRefunded(
            contact_id=refund.contact_id,
            order_id=refund.order_id,
            amount=refund.amount,
            currency=refund.currency,
            occurred_at=refund.occurred_at,
        )
        data = {"order_id": refund.order_id, "amount": _money(refund.amount), "currency": refund.currency}
        if refund.reason:
            data["reason"] = refund.reason
        return HistoryWrite(
            contact_id=refund.contact_id,
            metrics=after,
            events=[outgoing(event, cause, None), outgoing(metrics_event(after), cause, None)],
            counters=counters,
            claim_sk=refund_sk(refund.order_id),
            claim={
                "amount": refund.amount,
                "currency": refund.currency,
                "occurred_at": refund.occurred_at.isoformat(),
                "source": refund.source,
            },
            entry=TimelineEntry(
                id=entry_id(refund.occurred_at, "refund", refund.order_id),
                kind="refund",
                occurred_at=refund.occurred_at,
                source=refund.source,
                data=data,
            ),
        )

    return with_retries(refund.contact_id, store, build)
