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

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from contacts.history.metrics import REPORTING_CURRENCY
from shared.inputs import QueryModel

MAX_DAYS = 366
# The period when none is given: the last 30 days (UTC), today included.
DEFAULT_DAYS = 30
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


def _today() -> date:
    return datetime.now(UTC).date()


class PeriodQuery(QueryModel):
    """GET /analytics?from=YYYY-MM-DD&to=YYYY-MM-DD: whole UTC days, both included; by
    default the last 30 days (today included). A 400 names the parameter at fault."""

    start: date | None = Field(
        default=None,
        alias="from",
        description=f"The first day (UTC, YYYY-MM-DD), included. Default: {DEFAULT_DAYS - 1} days before `to`, "
        f"so that no period given means the last {DEFAULT_DAYS} days.",
    )
    end: date = Field(
        default_factory=_today,
        alias="to",
        validate_default=True,
        description=f"The last day (UTC, YYYY-MM-DD), included; not before `from`, at most {MAX_DAYS} days after "
        "it. Default: today.",
    )

    @field_validator("end")
    @classmethod
    def _within(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")  # absent when ``from`` itself was refused
        if start is not None and end < start:
            raise ValueError("must not be before from")
        if start is not None and (end - start).days >= MAX_DAYS:
            raise ValueError(f"the period is at most {MAX_DAYS} days")
        return end

    def period(self) -> tuple[date, date]:
        """(first day, last day), the defaults applied."""
        return self.start or self.end - timedelta(days=DEFAULT_DAYS - 1), self.end


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
