"""Every route of every service declares the query parameters it reads: an undeclared one is
a 400 naming it (before any work), and each declared one is described for the OpenAPI
document."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from infra.services import existing_services
from shared.http import RouteSpec
from shared.inputs import QueryModel
from shared.testing import bearer


def _routes() -> Iterator[tuple[str, RouteSpec]]:
    for service in existing_services():
        for spec in importlib.import_module(f"{service}.api").api.routes:
            yield service, spec


ROUTES = list(_routes())


def _id(route: tuple[str, RouteSpec]) -> str:
    service, spec = route
    return f"{service}:{'/'.join(spec.methods)}:{spec.path}"


def _request(service: str, spec: RouteSpec, query: str) -> Any:
    """The route called by a role it admits, with ``query`` and no body (the URL is checked first)."""
    app = importlib.import_module(f"{service}.api").app
    path = re.sub(r"\{(\w+)\}", r"some-\1", spec.path)
    role = sorted(r.value for r in spec.roles)[0] if spec.roles else "admin"  # a public route ignores it
    with Client(app) as client:
        response = getattr(client.http, spec.methods[0].lower())(f"{path}?{query}", headers=bearer(role))
    return response.status_code, json.loads(response.body) if response.body else None


def test_every_service_has_routes() -> None:
    assert {service for service, _ in ROUTES} == set(existing_services())


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_an_unknown_query_parameter_is_a_400_naming_it(route: tuple[str, RouteSpec]) -> None:
    service, spec = route
    status, body = _request(service, spec, "bogus=1")
    assert status == 400, body
    named = {e["field"]: e["message"] for e in body["errors"]}
    assert "bogus" in named and "bogus" in body["detail"]
    # Besides it, only a required parameter this call left out.
    # A parameter is named as it is sent: its alias when it has one (``from``).
    fields = spec.query.model_fields.items() if spec.query else []
    required = {f.alias or n for n, f in fields if f.is_required()}
    assert set(named) - {"bogus"} <= required


@pytest.mark.parametrize("route", [r for r in ROUTES if r[1].query is not None], ids=_id)
def test_each_declared_parameter_is_described(route: tuple[str, RouteSpec]) -> None:
    _, spec = route
    assert spec.query is not None and issubclass(spec.query, QueryModel)
    schema = spec.query.model_json_schema()
    undescribed = [name for name, prop in schema["properties"].items() if not prop.get("description")]
    assert undescribed == []


PAGED = [r for r in ROUTES if r[1].query is not None and "limit" in r[1].query.model_fields]


@pytest.mark.parametrize("route", PAGED, ids=_id)
@pytest.mark.parametrize("limit", ["0", "101", "ten", ""])
def test_a_list_refuses_a_limit_out_of_1_to_100(route: tuple[str, RouteSpec], limit: str) -> None:
    service, spec = route
    status, body = _request(service, spec, f"limit={limit}")
    assert status == 400, body
    assert "limit" in [e["field"] for e in body["errors"]]


def test_the_lists_are_paged_the_same_way() -> None:
    paged = {(service, spec.path) for service, spec in PAGED}
    assert {
        ("pipeline", "/reps"),
        ("service_desk", "/tickets"),
        ("loyalty", "/members/{contact_id}/ledger"),
        ("campaigns", "/messages"),
        ("contacts", "/"),
        ("contacts", "/companies"),
        ("contacts", "/segments"),
        ("contacts", "/segments/{segment_id}/members"),
        ("contacts", "/exports"),
        ("contacts", "/imports"),
        ("contacts", "/imports/{import_id}/rows"),
        ("contacts", "/{contact_id}/timeline"),
        ("contacts", "/{contact_id}/interactions"),
        ("contacts", "/{contact_id}/consents"),
    } <= paged
