"""Query parameters of the contacts routes are validated like bodies: a wrong value or an
unknown parameter is a 400 naming it (not a 200 with an empty list), by the same rules as
the export filter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from chalice.test import Client

from shared.testing import call

ADA = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}


def _fields(response: Any) -> list[str]:
    assert response.status_code == 400, response.body
    return [e["field"] for e in response.json["errors"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("stage=bogus", "stage"),
        ("country=ZZ", "country"),
        ("country=FRA", "country"),
        ("created_from=2026-02-01&created_to=2026-01-31", "created_to"),
        ("created_from=2026-01-31T12:00:00Z&created_to=2026-01-31T11:00:00", "created_to"),
        ("created_from=last+week", "created_from"),
        ("segment=no-such-segment", "segment"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("colour=red", "colour"),
        ("q=", "q"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(client: Client, query: str, field: str) -> None:
    assert _fields(call(client, "get", f"/?{query}")) == [field]


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+", "%2B")  # a query string's "+" is a space


def test_valid_filters_still_list(client: Client) -> None:
    ada = call(client, "post", "/", {**ADA, "address": {"country": "FR"}, "tags": ["vip"]}).json
    created = datetime.fromisoformat(ada["created_at"])
    just_before = created - timedelta(seconds=1)
    rules = {"all": [{"field": "tags", "op": "contains", "value": "vip"}]}
    segment = call(client, "post", "/segments", {"name": "VIPs", "rules": rules}).json["id"]
    today = created.date().isoformat()
    for query in (
        "stage=lead",
        "country=fr",
        f"created_from={today}&created_to={today}",
        f"created_to={today}",
        # The same instant with another offset, and without one (UTC)
        f"created_from={_iso(just_before.astimezone(timezone(timedelta(hours=-5))))}",
        f"created_from={just_before.astimezone(UTC).replace(tzinfo=None).isoformat()}",
        "limit=100",
    ):
        response = call(client, "get", f"/?{query}")
        assert response.status_code == 200, (query, response.body)
        assert [c["id"] for c in response.json["items"]] == [ada["id"]], query
    # An existing segment is a membership filter (empty until its backfill ran), not a 400
    assert call(client, "get", f"/?segment={segment}").status_code == 200
    assert call(client, "get", "/?segment=rfm-champions").status_code == 200  # a built-in one


def test_an_offset_bound_means_the_same_instant(client: Client) -> None:
    ada = call(client, "post", "/", ADA).json
    after = datetime.fromisoformat(ada["created_at"]) + timedelta(seconds=1)
    in_paris = _iso(after.astimezone(timezone(timedelta(hours=2))))  # one second after, written in UTC+2
    assert call(client, "get", f"/?created_from={in_paris}").json["items"] == []
    assert [c["id"] for c in call(client, "get", f"/?created_to={in_paris}").json["items"]] == [ada["id"]]


@pytest.mark.parametrize(("query", "field"), [("on_conflict=merge", "on_conflict"), ("dry_run=1", "dry_run")])
def test_create_refuses_a_bad_or_unknown_parameter(client: Client, query: str, field: str) -> None:
    assert _fields(call(client, "post", f"/?{query}", ADA)) == [field]
    assert call(client, "get", "/?limit=100").json["items"] == []  # nothing was created


def test_the_export_filter_refuses_what_the_list_refuses(client: Client) -> None:
    bad = {"stage": "bogus", "country": "ZZ", "created_from": "2026-02-01", "created_to": "2026-01-31"}
    response = call(client, "post", "/exports", {"filter": bad})
    assert response.status_code == 422, response.body
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"filter.stage", "filter.country", "filter.created_to"}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/some-id/timeline?kind=bogus", "kind"),
        ("/some-id/timeline?limit=500", "limit"),
        ("/some-id/interactions?kind=order", "kind"),  # the interactions route has no kind
        ("/imports/some-id/rows?status=bogus", "status"),
        ("/segments?limit=ten", "limit"),
        ("/companies?limit=0", "limit"),
        ("/exports?limit=101", "limit"),
        ("/some-id/consents?limit=0", "limit"),
        ("/some-id/metrics?from=2026-01-01", "from"),
        ("/analytics?from=2026-02-30", "from"),
    ],
)
def test_each_features_parameters_are_checked(client: Client, path: str, field: str) -> None:
    assert _fields(call(client, "get", path)) == [field]


def test_analytics_default_to_the_last_30_days(client: Client) -> None:
    today = datetime.now(UTC).date()
    report = call(client, "get", "/analytics", role="marketer").json
    assert (date.fromisoformat(report["start"]), date.fromisoformat(report["end"])) == (
        today - timedelta(days=29),
        today,
    )
    upto = call(client, "get", "/analytics?to=2026-03-31", role="marketer").json
    assert (upto["start"], upto["end"]) == ("2026-03-02", "2026-03-31")
    since = call(client, "get", f"/analytics?from={today - timedelta(days=6)}", role="marketer").json
    assert (since["start"], since["end"]) == (str(today - timedelta(days=6)), str(today))
