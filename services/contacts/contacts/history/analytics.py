"""Customer analytics over a period, from daily counters only (never a scan of contacts).

The order, refund and recency transactions ADD to ``STATS#<day>`` counters (and to the
running ``STATS#ALL`` totals) in the same transaction as the change they count. A report
for [from, to] (whole UTC days, both included) reads one item per day by key.

Definitions (money in metrics.REPORTING_CURRENCY; other currencies are counted as orders only):

- new_customers: contacts whose first purchase happened in the period (by the order's date).
- orders, revenue: orders placed in the period; revenue = their amounts minus refunds dated
  in the period (net). revenue_by_channel / _by_rfm_group / _by_value_tier are gross order
  amounts split by the order's channel and by the contact's RFM group and value tier right
  after that purchase (the segment the purchase put the contact in); refunds are not split.
- repeat_purchase_rate: repeat_orders / orders, where a repeat order is one by a contact
  who had already bought before it.
- active customer: bought within metrics.CHURN_DAYS. A contact becomes active on the day an
  order is processed (``activated``) and lapses on the day the daily job finds its last
  purchase CHURN_DAYS + 1 days old (``lapsed``); both are counted on the processing day, so
  active(at the start of day d) = active now - sum over days >= d of (activated - lapsed).
- churn_rate: lapsed in the period / active at the start of the period.
- retention_rate: (active at the end - activated in the period) / active at the start: the
  standard customer retention rate (E - N) / S, with N counting new and returning customers.
  Both rates are null when nobody was active at the start.
- average_ltv: lifetime net revenue / customers who ever bought, as of now (not per period).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from contacts.history.metrics import REPORTING_CURRENCY
from shared.errors import BadRequest

MAX_DAYS = 366
# How far back "active at the start" may reach (each day is one counter item read by key).
MAX_LOOKBACK_DAYS = 3 * 366


class StatsStore(Protocol):
    def counters(self, days: list[date]) -> dict[date, dict[str, Decimal]]: ...
    def totals(self) -> dict[str, Decimal]: ...


class Report(BaseModel):
    start: date
    end: date
    currency: str
    new_customers: int
    orders: int
    revenue: Decimal
    refunds: int
    refunded: Decimal
    repeat_orders: int
    repeat_purchase_rate: Decimal | None
    active_at_start: int
    active_at_end: int
    activated: int
    lapsed: int
    churn_rate: Decimal | None
    retention_rate: Decimal | None
    customers: int
    average_ltv: Decimal | None
    revenue_by_channel: dict[str, Decimal]
    orders_by_channel: dict[str, int]
    revenue_by_rfm_group: dict[str, Decimal]
    revenue_by_value_tier: dict[str, Decimal]


def parse_period(query: Any) -> tuple[date, date]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD -> (start, end); 400 naming the field otherwise."""
    values: list[date] = []
    for name in ("from", "to"):
        raw = query.get(name)
        try:
            values.append(date.fromisoformat(raw))
        except (TypeError, ValueError):
            raise BadRequest(
                f"{name} must be a date (YYYY-MM-DD)", errors=[{"field": name, "message": "expected YYYY-MM-DD"}]
            ) from None
    start, end = values
    if end < start:
        raise BadRequest("to is before from", errors=[{"field": "to", "message": "must not be before from"}])
    if (end - start).days >= MAX_DAYS:
        raise BadRequest(
            f"the period is longer than {MAX_DAYS} days", errors=[{"field": "to", "message": f"max {MAX_DAYS} days"}]
        )
    return start, end


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _split(sums: dict[str, Decimal], prefix: str) -> dict[str, Decimal]:
    return {k.removeprefix(prefix): v for k, v in sorted(sums.items()) if k.startswith(prefix)}


def report(start: date, end: date, store: StatsStore, today: date) -> Report:
    lookback = max(today, end)
    first = max(start, lookback - timedelta(days=MAX_LOOKBACK_DAYS))
    counters = store.counters(_days(first, lookback))
    totals = store.totals()

    def total(name: str, days: list[date]) -> Decimal:
        return sum((counters.get(d, {}).get(name, Decimal(0)) for d in days), Decimal(0))

    period = _days(start, end)
    after_start = _days(start, lookback)
    after_end = _days(end + timedelta(days=1), lookback) if end < lookback else []
    active_now = totals.get("active_customers", Decimal(0))
    active_at_start = active_now - total("activated", after_start) + total("lapsed", after_start)
    active_at_end = active_now - total("activated", after_end) + total("lapsed", after_end)
    sums: dict[str, Decimal] = {}
    for day in period:
        for name, value in counters.get(day, {}).items():
            sums[name] = sums.get(name, Decimal(0)) + value
    orders = sums.get("orders", Decimal(0))
    activated, lapsed = sums.get("activated", Decimal(0)), sums.get("lapsed", Decimal(0))
    customers = totals.get("customers", Decimal(0))
    return Report(
        start=start,
        end=end,
        currency=REPORTING_CURRENCY,
        new_customers=int(sums.get("new_customers", 0)),
        orders=int(orders),
        revenue=sums.get("revenue", Decimal(0)),
        refunds=int(sums.get("refunds", 0)),
        refunded=sums.get("refunded", Decimal(0)),
        repeat_orders=int(sums.get("repeat_orders", 0)),
        repeat_purchase_rate=_rate(sums.get("repeat_orders", Decimal(0)), orders),
        active_at_start=int(active_at_start),
        active_at_end=int(active_at_end),
        activated=int(activated),
        lapsed=int(lapsed),
        churn_rate=_rate(lapsed, active_at_start),
        retention_rate=_rate(active_at_end - activated, active_at_start),
        customers=int(customers),
        average_ltv=_rate(totals.get("revenue", Decimal(0)), customers),
        revenue_by_channel=_split(sums, "revenue_channel_"),
        orders_by_channel={k: int(v) for k, v in _split(sums, "orders_channel_").items()},
        revenue_by_rfm_group=_split(sums, "revenue_rfm_"),
        revenue_by_value_tier=_split(sums, "revenue_tier_"),
    )
