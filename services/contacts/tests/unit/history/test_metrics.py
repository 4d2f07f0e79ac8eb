"""The 360 metric calculations: RFM scores, groups, value tiers, intervals (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contacts.history.metrics import (
    Metrics,
    RfmGroup,
    ValueTier,
    frequency_score,
    monetary_score,
    rebuilt,
    recency_boundaries,
    recency_score,
    rfm_group,
    value_tier,
)

TODAY = date(2026, 6, 30)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00+00:00")


@pytest.mark.parametrize(
    ("days", "score"), [(0, 5), (30, 5), (31, 4), (60, 4), (61, 3), (90, 3), (91, 2), (180, 2), (181, 1)]
)
def test_recency_score_drops_on_the_documented_bounds(days, score):
    assert recency_score(days) == score


def test_the_recency_job_visits_exactly_the_days_a_score_drops():
    assert recency_boundaries() == [31, 61, 91, 181]
    for bound in recency_boundaries():
        assert recency_score(bound) < recency_score(bound - 1)


@pytest.mark.parametrize(("orders", "score"), [(1, 1), (2, 2), (3, 2), (4, 3), (6, 4), (9, 4), (10, 5)])
def test_frequency_score(orders, score):
    assert frequency_score(orders) == score


@pytest.mark.parametrize(
    ("spend", "score"), [("0", 1), ("249.99", 1), ("250", 2), ("1000", 3), ("2000", 4), ("5000", 5), ("-10", 1)]
)
def test_monetary_score(spend, score):
    assert monetary_score(Decimal(spend)) == score


@pytest.mark.parametrize(
    ("r", "f", "m", "orders", "group"),
    [
        (5, 5, 5, 12, RfmGroup.CHAMPIONS),
        (4, 4, 3, 7, RfmGroup.CHAMPIONS),  # FM = 3.5 rounds half up to 4
        (3, 3, 3, 4, RfmGroup.LOYAL),
        (5, 1, 1, 1, RfmGroup.NEW),
        (5, 1, 2, 1, RfmGroup.NEW),
        (4, 2, 2, 2, RfmGroup.POTENTIAL_LOYALIST),
        (3, 1, 1, 1, RfmGroup.POTENTIAL_LOYALIST),
        (2, 5, 5, 15, RfmGroup.CANT_LOSE),
        (1, 5, 5, 15, RfmGroup.CANT_LOSE),
        (2, 3, 3, 4, RfmGroup.AT_RISK),
        (2, 1, 2, 1, RfmGroup.HIBERNATING),
        (1, 2, 1, 2, RfmGroup.LOST),
    ],
)
def test_rfm_groups_follow_the_grid(r, f, m, orders, group):
    assert rfm_group(r, f, m, orders) == group


@pytest.mark.parametrize(
    ("spend", "tier"),
    [
        ("0", ValueTier.BRONZE),
        ("499.99", ValueTier.BRONZE),
        ("500", ValueTier.SILVER),
        ("2500", ValueTier.GOLD),
        ("10000", ValueTier.PLATINUM),
    ],
)
def test_value_tiers(spend, tier):
    assert value_tier(Decimal(spend)) == tier


def test_one_purchase_makes_a_new_customer_without_an_interval():
    m = Metrics("c1").with_purchase(Decimal("40.00"), "EUR", at("2026-06-29")).scored(TODAY)
    assert (m.total_spend, m.order_count) == (Decimal("40.00"), 1)
    assert m.first_purchase_at == m.last_purchase_at == at("2026-06-29")
    assert m.average_interval_days is None and m.next_purchase_at is None
    assert (m.recency_score, m.frequency_score, m.monetary_score) == (5, 1, 1)
    assert (m.rfm_group, m.value_tier) == (RfmGroup.NEW, ValueTier.BRONZE)


def test_interval_and_prediction_use_first_last_and_count_in_any_arrival_order():
    m = Metrics("c1")
    for day in ("2026-06-20", "2026-06-01", "2026-06-10"):  # out of order
        m = m.with_purchase(Decimal("100"), "EUR", at(day))
    m = m.scored(TODAY)
    assert m.first_purchase_at == at("2026-06-01") and m.last_purchase_at == at("2026-06-20")
    assert m.average_interval_days == Decimal("9.5")  # 19 days / 2 intervals
    assert m.next_purchase_at == datetime(2026, 6, 30, 0, 0, tzinfo=UTC)  # last + 9.5 days
    assert m.order_count == 3 and m.total_spend == Decimal("300")


def test_a_refund_reduces_spend_but_not_the_order_count():
    m = Metrics("c1").with_purchase(Decimal("600"), "EUR", at("2026-06-01")).with_refund(Decimal("200"), "EUR")
    m = m.scored(TODAY)
    assert (m.total_spend, m.order_count, m.value_tier) == (Decimal("400"), 1, ValueTier.BRONZE)


def test_other_currencies_count_as_orders_but_not_as_reporting_spend():
    m = Metrics("c1").with_purchase(Decimal("90"), "USD", at("2026-06-01")).scored(TODAY)
    assert (m.total_spend, m.order_count, m.spend_by_currency) == (Decimal(0), 1, {"USD": Decimal("90")})


def test_recency_decays_with_time_alone():
    m = Metrics("c1").with_purchase(Decimal("50"), "EUR", at("2026-01-01"))
    assert m.scored(date(2026, 1, 31)).recency_score == 5
    assert m.scored(date(2026, 2, 1)).recency_score == 4
    assert m.scored(date(2026, 7, 1)).recency_score == 1
    assert m.is_active_on(date(2026, 6, 30)) and not m.is_active_on(date(2026, 7, 1))


def test_engagement_is_inbound_interactions_and_orders_whichever_is_newer():
    m = Metrics("c").with_interaction(at("2026-06-01"), inbound=False)
    assert (m.last_engaged_at, m.interaction_count, m.inbound_count) == (None, 1, 0)
    m = m.with_interaction(at("2026-06-05"), inbound=True).with_interaction(at("2026-06-02"), inbound=True)
    assert (m.last_engaged_at, m.interaction_count, m.inbound_count) == (at("2026-06-05"), 3, 2)
    assert m.with_purchase(Decimal(10), "EUR", at("2026-06-03")).last_engaged_at == at("2026-06-05")
    assert m.with_purchase(Decimal(10), "EUR", at("2026-06-09")).last_engaged_at == at("2026-06-09")
    # Scoring leaves engagement alone, and a rebuild (merge) folds interactions the same way
    assert m.scored(TODAY).inbound_count == 2
    assert rebuilt("c", [], [], [(at("2026-06-01"), False), (at("2026-06-05"), True)]).same_aggregates(
        Metrics("c", interaction_count=2, inbound_count=1, last_engaged_at=at("2026-06-05"))
    )
