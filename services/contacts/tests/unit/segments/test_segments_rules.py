"""Segment rules: validation names the wrong node; evaluation over a contact's facts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from contacts.segments.rules import evaluate, facts_of, validate_rules
from shared.errors import Unprocessable

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PROFILE = {
    "lifecycle_stage": "customer",
    "tags": ["vip", "newsletter"],
    "source": "web",
    "address": {"country": "FR", "region": "idf", "city": "paris"},
    "birthday": "1990-06-20",
    "language": "fr",
}
METRICS = {
    "total_spend": Decimal("1250.50"),
    "order_count": 4,
    "last_purchase_at": "2026-06-01T10:00:00+00:00",
    "recency_score": 5,
    "frequency_score": 3,
    "monetary_score": 3,
    "rfm_group": "loyal",
    "value_tier": "silver",
    "last_engaged_at": "2026-06-10T09:00:00+00:00",
    "interaction_count": 7,
    "inbound_count": 2,
}


def facts(**overrides: Any) -> dict[str, Any]:
    return {**facts_of(PROFILE, METRICS, NOW), **overrides}


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (cond("lifecycle_stage", "eq", "customer"), True),
        (cond("lifecycle_stage", "eq", "CUSTOMER"), True),  # text compares case-insensitively
        (cond("lifecycle_stage", "ne", "lead"), True),
        (cond("country", "in", ["DE", "FR"]), True),
        (cond("city", "eq", "lyon"), False),
        (cond("tags", "contains", "VIP"), True),
        (cond("tags", "in", ["gold", "newsletter"]), True),
        (cond("tags", "contains", "gold"), False),
        (cond("total_spend", "gte", 1000), True),
        (cond("total_spend", "lt", 1000), False),
        (cond("order_count", "in", [3, 4]), True),
        (cond("recency_score", "gte", 4), True),
        (cond("rfm_group", "eq", "loyal"), True),
        (cond("value_tier", "eq", "gold"), False),
        (cond("last_purchase_at", "within_days", 30), True),
        (cond("last_purchase_at", "within_days", 7), False),
        (cond("last_purchase_at", "gt", "2026-01-01T00:00:00Z"), True),
        (cond("birthday", "within_days", 7), True),  # 20 June, 5 days ahead
        (cond("birthday", "within_days", 3), False),
        (cond("age", "gte", 35), True),
        (cond("age", "gte", 36), False),  # not 36 until 20 June
        (cond("language", "eq", "fr"), True),
        (cond("last_engaged_at", "within_days", 7), True),  # 10 June: engaged after buying
        (cond("last_engaged_at", "within_days", 5), False),
        (cond("last_engaged_at", "lt", "2026-06-01T00:00:00Z"), False),
        (cond("interaction_count", "gte", 5), True),
        (cond("inbound_count", "in", [0, 1]), False),
        (cond("inbound_count", "gt", 1), True),
        ({"all": [cond("country", "eq", "FR"), cond("total_spend", "gt", 1000)]}, True),
        ({"all": [cond("country", "eq", "FR"), cond("total_spend", "gt", 5000)]}, False),
        ({"any": [cond("country", "eq", "DE"), cond("tags", "contains", "vip")]}, True),
        ({"not": cond("country", "eq", "FR")}, False),
    ],
)
def test_rules_evaluate_over_profile_and_metrics(rule: dict[str, Any], expected: bool) -> None:
    assert evaluate(validate_rules(rule), facts(), NOW) is expected


def test_a_missing_fact_matches_nothing_but_ne() -> None:
    bare = facts_of({"lifecycle_stage": "lead"}, None, NOW)
    assert not evaluate(cond("country", "eq", "FR"), bare, NOW)
    assert not evaluate(cond("total_spend", "lt", 10), bare, NOW)
    assert not evaluate(cond("last_purchase_at", "within_days", 30), bare, NOW)
    assert evaluate(cond("country", "ne", "FR"), bare, NOW)


def test_an_order_is_engagement_even_on_metrics_written_before_engagement_was_kept() -> None:
    legacy = facts_of(None, {"last_purchase_at": "2026-06-01T10:00:00+00:00"}, NOW)
    assert legacy["last_engaged_at"] == "2026-06-01T10:00:00+00:00"
    assert evaluate(cond("last_engaged_at", "within_days", 30), legacy, NOW)
    # The later of the two counts, whichever it is
    talked = {"last_purchase_at": "2026-06-01T10:00:00+00:00", "last_engaged_at": "2026-06-12T08:00:00+00:00"}
    assert facts_of(None, talked, NOW)["last_engaged_at"] == "2026-06-12T08:00:00+00:00"
    bought = {"last_purchase_at": "2026-06-14T10:00:00+00:00", "last_engaged_at": "2026-06-12T08:00:00+00:00"}
    assert facts_of(None, bought, NOW)["last_engaged_at"] == "2026-06-14T10:00:00+00:00"
    assert facts_of(None, None, NOW)["last_engaged_at"] is None
    assert not evaluate(cond("last_engaged_at", "within_days", 30), facts_of(None, None, NOW), NOW)


def test_geography_reads_flat_attributes_too() -> None:
    assert facts_of({"country": "DE"}, None, NOW)["country"] == "DE"
    assert facts_of({"address": {"country": "FR"}}, None, NOW)["country"] == "FR"


def test_a_leap_day_birthday_is_celebrated_on_1_march() -> None:
    seen = facts_of({"birthday": "2000-02-29"}, None, datetime(2027, 2, 27, tzinfo=UTC))
    assert evaluate(cond("birthday", "within_days", 2), seen, datetime(2027, 2, 27, tzinfo=UTC))


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ([], "rules"),
        ({"all": []}, "rules.all"),
        ({"all": [cond("country", "eq", "FR"), cond("shoe_size", "eq", 42)]}, "rules.all.1.field"),
        ({"any": [{"all": [cond("total_spend", "contains", 3)]}]}, "rules.any.0.all.0.op"),
        (cond("total_spend", "gt", "lots"), "rules.value"),
        (cond("country", "in", []), "rules.value"),
        (cond("country", "in", ["FR", 3]), "rules.value.1"),
        (cond("last_purchase_at", "within_days", -1), "rules.value"),
        (cond("last_purchase_at", "gt", "yesterday"), "rules.value"),
        ({"field": "country", "op": "eq"}, "rules.value"),
        ({"field": "country", "op": "eq", "value": "FR", "extra": 1}, "rules.extra"),
        ({"all": [cond("country", "eq", "FR")], "any": [cond("country", "eq", "FR")]}, "rules"),
        (cond("emails_opened", "gt", 3), "rules.field"),
        (cond("last_engaged_at", "eq", "2026-01-01T00:00:00Z"), "rules.op"),
        (cond("last_engaged_at", "within_days", 0), "rules.value"),
        (cond("interaction_count", "within_days", 3), "rules.op"),
        (cond("inbound_count", "gt", "many"), "rules.value"),
    ],
)
def test_invalid_rules_are_422_naming_the_node(rule: Any, path: str) -> None:
    with pytest.raises(Unprocessable) as raised:
        validate_rules(rule)
    assert [e["field"] for e in raised.value.extensions["errors"]] == [path]


def test_engagement_is_refused_as_not_tracked_yet() -> None:
    with pytest.raises(Unprocessable) as raised:
        validate_rules(cond("emails_opened", "gt", 3))
    assert "not tracked yet" in raised.value.extensions["errors"][0]["message"]


def test_rules_are_bounded_in_depth_and_size() -> None:
    deep: dict[str, Any] = cond("country", "eq", "FR")
    for _ in range(6):
        deep = {"all": [deep]}
    with pytest.raises(Unprocessable):
        validate_rules(deep)
    with pytest.raises(Unprocessable):
        validate_rules({"any": [cond("city", "eq", f"c{i}") for i in range(51)]})
