"""GET /analytics's period: whole UTC days, the last 30 by default, at most 366."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contacts.history.analytics import PeriodQuery
from shared.errors import BadRequest
from shared.inputs import parse_query


def _period(**query: str) -> tuple[date, date]:
    return parse_query(query, PeriodQuery).period()


def test_no_period_is_the_last_30_days_today_included() -> None:
    today = datetime.now(UTC).date()
    assert _period() == (today - timedelta(days=29), today)


def test_one_bound_given_the_other_defaults() -> None:
    today = datetime.now(UTC).date()
    assert _period(to="2026-03-31") == (date(2026, 3, 2), date(2026, 3, 31))
    assert _period(**{"from": str(today - timedelta(days=3))}) == (today - timedelta(days=3), today)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-01", "to": "2026-01-31"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-31"}, "to"),
        ({"from": "01/02/2026"}, "from"),
        ({"start": "2026-01-01"}, "start"),  # the parameter is "from"
    ],
)
def test_a_bad_period_names_the_parameter(query: dict[str, str], field: str) -> None:
    with pytest.raises(BadRequest) as raised:
        _period(**query)
    assert [e["field"] for e in raised.value.extensions["errors"]] == [field]
