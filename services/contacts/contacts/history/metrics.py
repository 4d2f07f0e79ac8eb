"""Customer 360 metrics: pure calculations (no I/O), so every rule is unit-tested.

A contact's METRICS item holds running aggregates (total spend, order count, first and
last purchase) that orders and refunds move incrementally; everything else (interval,
prediction, RFM, value tier) is derived from them here, on every change and by the
daily recency re-scoring.

RFM scores, 1 (worst) to 5 (best), with fixed thresholds (change them here):

- recency R: days since the last purchase: <=30 -> 5, <=60 -> 4, <=90 -> 3, <=180 -> 2, else 1.
  A score only changes when a purchase happens or a day boundary of RECENCY_DAYS is crossed
  (31, 61, 91 and 181 days after the last purchase): the daily job re-scores exactly those.
- frequency F: order count: >=10 -> 5, >=6 -> 4, >=4 -> 3, >=2 -> 2, else 1.
- monetary M: total spend in the reporting currency: >=5000 -> 5, >=2000 -> 4, >=1000 -> 3,
  >=250 -> 2, else 1.

rfm_group (the usual RFM segment grid on R and FM = half-up mean of F and M; first match wins):
champions R>=4 & FM>=4; loyal R>=3 & FM>=3; new R>=4 & one order; potential_loyalist R>=3;
cant_lose R<=2 & FM=5; at_risk R<=2 & FM>=3; hibernating R=2; lost R=1.

value_tier by total spend: platinum >=10000, gold >=2500, silver >=500, bronze below.

Engagement: ``last_engaged_at`` is the latest inbound interaction or order, whichever is
newer (a contact reaching out, or buying); ``interaction_count`` counts every logged
interaction and ``inbound_count`` the inbound ones. Running aggregates too: each
interaction moves them once (it claims its id), and they never decay, so no job touches
them; "engaged in the last N days" is a segment rule that time flips (contacts/segments/rules.py).

No FX conversion exists yet: orders in another currency than REPORTING_CURRENCY count for
recency and frequency and are kept in ``spend_by_currency``, but not in total_spend/monetary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

REPORTING_CURRENCY = "EUR"
# (upper bound of days since the last purchase, score), checked in order.
RECENCY_DAYS: tuple[tuple[int, int], ...] = ((30, 5), (60, 4), (90, 3), (180, 2))
# (minimum order count, score)
FREQUENCY_ORDERS: tuple[tuple[int, int], ...] = ((10, 5), (6, 4), (4, 3), (2, 2))
# (minimum total spend, score)
MONETARY_SPEND: tuple[tuple[Decimal, int], ...] = (
    (Decimal(5000), 5),
    (Decimal(2000), 4),
    (Decimal(1000), 3),
    (Decimal(250), 2),
)
VALUE_TIERS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(10000), "platinum"),
    (Decimal(2500), "gold"),
    (Decimal(500), "silver"),
)
# A customer without a purchase for longer than this has churned (= the R1 boundary).
CHURN_DAYS = RECENCY_DAYS[-1][0]


class RfmGroup(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW = "new"
    AT_RISK = "at_risk"
    CANT_LOSE = "cant_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"


class ValueTier(StrEnum):
    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


def recency_score(days_since_last: int) -> int:
    for bound, score in RECENCY_DAYS:
        if days_since_last <= bound:
            return score
    return 1


def frequency_score(order_count: int) -> int:
    return next((score for minimum, score in FREQUENCY_ORDERS if order_count >= minimum), 1)


def monetary_score(total_spend: Decimal) -> int:
    return next((score for minimum, score in MONETARY_SPEND if total_spend >= minimum), 1)


# (minimum R, minimum FM, at most this many orders, group): the first row that matches wins.
RFM_GRID: tuple[tuple[int, int, int | None, RfmGroup], ...] = (
    (4, 4, None, RfmGroup.CHAMPIONS),
    (3, 3, None, RfmGroup.LOYAL),
    (4, 1, 1, RfmGroup.NEW),
    (3, 1, None, RfmGroup.POTENTIAL_LOYALIST),
    (1, 5, None, RfmGroup.CANT_LOSE),
    (1, 3, None, RfmGroup.AT_RISK),
    (2, 1, None, RfmGroup.HIBERNATING),
)


def rfm_group(r: int, f: int, m: int, order_count: int) -> RfmGroup:
    fm = int((Decimal(f + m) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    for min_r, min_fm, max_orders, group in RFM_GRID:
        if r >= min_r and fm >= min_fm and (max_orders is None or order_count <= max_orders):
            return group
    return RfmGroup.LOST


def value_tier(total_spend: Decimal) -> ValueTier:
    return next((ValueTier(tier) for minimum, tier in VALUE_TIERS if total_spend >= minimum), ValueTier.BRONZE)


def recency_boundaries() -> list[int]:
    """Days after the last purchase on which the recency score drops (31, 61, 91, 181)."""
    return [bound + 1 for bound, _ in RECENCY_DAYS]


@dataclass(frozen=True)
class Metrics:
    """A contact's 360 metrics. The first six fields and the engagement ones are stored
    running aggregates."""

    contact_id: str
    total_spend: Decimal = Decimal(0)  # reporting currency, net of refunds
    order_count: int = 0
    first_purchase_at: datetime | None = None
    last_purchase_at: datetime | None = None
    spend_by_currency: dict[str, Decimal] = field(default_factory=dict)
    active: bool = False  # purchased within CHURN_DAYS (as last re-scored): analytics' active customers
    version: int = 0  # optimistic concurrency on the METRICS item (0 = not stored yet)
    last_engaged_at: datetime | None = None  # latest inbound interaction or order
    interaction_count: int = 0  # every logged interaction, inbound or outbound
    inbound_count: int = 0
    # Derived (recomputed by ``scored``):
    average_interval_days: Decimal | None = None
    next_purchase_at: datetime | None = None
    recency_score: int | None = None
    frequency_score: int | None = None
    monetary_score: int | None = None
    rfm_group: RfmGroup | None = None
    value_tier: ValueTier | None = None
    scored_on: date | None = None  # the day recency was computed for

    def scored(self, today: date) -> Metrics:
        """The derived fields, as of ``today``."""
        if self.last_purchase_at is None or self.first_purchase_at is None:
            return replace(self, scored_on=today)
        interval: Decimal | None = None
        predicted: datetime | None = None
        if self.order_count >= 2:
            span = Decimal((self.last_purchase_at - self.first_purchase_at).total_seconds()) / 86400
            interval = (span / (self.order_count - 1)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            predicted = self.last_purchase_at + timedelta(days=float(interval))
        r = recency_score(max(0, (today - self.last_purchase_at.date()).days))
        f = frequency_score(self.order_count)
        m = monetary_score(self.total_spend)
        return replace(
            self,
            average_interval_days=interval,
            next_purchase_at=predicted,
            recency_score=r,
            frequency_score=f,
            monetary_score=m,
            rfm_group=rfm_group(r, f, m, self.order_count),
            value_tier=value_tier(self.total_spend),
            scored_on=today,
        )

    def with_purchase(self, amount: Decimal, currency: str, at: datetime) -> Metrics:
        """One more order (orders may arrive in any order: first/last are min/max)."""
        spend = dict(self.spend_by_currency)
        spend[currency] = spend.get(currency, Decimal(0)) + amount
        return replace(
            self,
            total_spend=self.total_spend + (amount if currency == REPORTING_CURRENCY else 0),
            order_count=self.order_count + 1,
            first_purchase_at=min(self.first_purchase_at or at, at),
            last_purchase_at=max(self.last_purchase_at or at, at),
            spend_by_currency=spend,
            last_engaged_at=_latest(self.last_engaged_at, at),
        )

    def with_interaction(self, at: datetime, *, inbound: bool) -> Metrics:
        """One more interaction; only the contact reaching out (inbound) is engagement."""
        return replace(
            self,
            interaction_count=self.interaction_count + 1,
            inbound_count=self.inbound_count + inbound,
            last_engaged_at=_latest(self.last_engaged_at, at) if inbound else self.last_engaged_at,
        )

    def with_refund(self, amount: Decimal, currency: str) -> Metrics:
        """A refund reduces spend; the order still counts (it happened)."""
        spend = dict(self.spend_by_currency)
        spend[currency] = spend.get(currency, Decimal(0)) - amount
        return replace(
            self,
            total_spend=self.total_spend - (amount if currency == REPORTING_CURRENCY else 0),
            spend_by_currency=spend,
        )

    def is_active_on(self, today: date) -> bool:
        return self.last_purchase_at is not None and (today - self.last_purchase_at.date()).days <= CHURN_DAYS

    def same_aggregates(self, other: Metrics) -> bool:
        """The stored running aggregates are equal (what orders and refunds move)."""
        mine = (self.total_spend, self.order_count, self.first_purchase_at, self.last_purchase_at, *self._engagement())
        theirs = (
            other.total_spend,
            other.order_count,
            other.first_purchase_at,
            other.last_purchase_at,
            *other._engagement(),
        )
        spend = {k: v for k, v in self.spend_by_currency.items() if v}
        other_spend = {k: v for k, v in other.spend_by_currency.items() if v}
        return mine == theirs and spend == other_spend

    def _engagement(self) -> tuple[datetime | None, int, int]:
        return (self.last_engaged_at, self.interaction_count, self.inbound_count)


def _latest(current: datetime | None, at: datetime) -> datetime:
    return max(current or at, at)


def rebuilt(
    contact_id: str,
    orders: Iterable[tuple[Decimal, str, datetime]],
    refunds: Iterable[tuple[Decimal, str]],
    interactions: Iterable[tuple[datetime, bool]] = (),
) -> Metrics:
    """The running aggregates recomputed from a contact's recorded orders (amount,
    currency, time), refunds (amount, currency) and interactions (time, inbound), folded
    exactly as they were applied one by one (sums and min/max commute), e.g. after a
    merge brought two histories together."""
    metrics = Metrics(contact_id=contact_id)
    for amount, currency, at in orders:
        metrics = metrics.with_purchase(amount, currency, at)
    for amount, currency in refunds:
        metrics = metrics.with_refund(amount, currency)
    for at, inbound in interactions:
        metrics = metrics.with_interaction(at, inbound=inbound)
    return metrics
