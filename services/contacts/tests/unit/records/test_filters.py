"""The list's (and an export's) filters as one model: names, checks and created bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from contacts.exports.models import ExportFilter
from contacts.records.filters import ContactListQuery, ListFilters, created_end, created_start
from contacts.records.listing import parse_list_query
from shared.errors import BadRequest


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026-01-31", "2026-01-31T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        ("2026-01-31T10", "2026-01-31T10:00:00+00:00", "2026-01-31T11:00:00+00:00"),
        ("2026-01-31T10:30", "2026-01-31T10:30:00+00:00", "2026-01-31T10:31:00+00:00"),
        ("2026-01-31T12:30:05+02:00", "2026-01-31T10:30:05+00:00", "2026-01-31T10:30:06+00:00"),
        ("2026-01-31T10:30:05.5Z", "2026-01-31T10:30:05.500000+00:00", "2026-01-31T10:30:05.500001+00:00"),
    ],
)
def test_a_bound_is_an_instant_in_utc_and_an_upper_one_ends_at_its_precision(raw: str, start: str, end: str) -> None:
    assert (created_start(raw).isoformat(), created_end(raw).isoformat()) == (start, end)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"stage": "Lead"}, "stage"),
        ({"country": "ZZ"}, "country"),
        ({"created_from": "soon"}, "created_from"),
        ({"created_to": "2026-01-01", "created_from": "2026-01-02"}, "created_to"),
    ],
)
def test_the_list_and_the_export_refuse_the_same_values(values: dict[str, str], field: str) -> None:
    for model in (ListFilters, ExportFilter, ContactListQuery):
        with pytest.raises(ValidationError) as raised:
            model.model_validate(values)
        assert [e["loc"] for e in raised.value.errors()] == [(field,)]
    with pytest.raises(BadRequest) as refused:
        parse_list_query(values)
    assert [e["field"] for e in refused.value.extensions["errors"]] == [field]


def test_a_created_to_on_the_same_day_as_created_from_is_that_day() -> None:
    parsed = parse_list_query({"created_from": "2026-01-31T10:00", "created_to": "2026-01-31", "country": "fr"})
    assert parsed.created == (datetime(2026, 1, 31, 10, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert parsed.filters == {"country": "FR"}
    read = parsed.index_read(None, 10)
    assert (read.created_from, read.created_to) == ("2026-01-31T10:00:00+00:00", "2026-01-31T23:59:59.999999+00:00")


def test_the_export_filter_round_trips_as_list_parameters() -> None:
    exported = ExportFilter(stage="customer", country="gb", created_to="2026-01-31").as_query()
    assert exported == {"stage": "customer", "country": "GB", "created_to": "2026-01-31"}
    assert parse_list_query(exported).filters == {"stage": "customer", "country": "GB"}
