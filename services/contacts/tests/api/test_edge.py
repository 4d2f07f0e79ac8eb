"""No input answers a 500: forged cursors on every list route, deep and oversized bodies on
every write route (shared.testing's edge checks, over every route the app serves)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing import call, list_paths, refuses_deep_and_oversized_bodies, refuses_forged_cursors

RULES = {"all": [{"field": "tags", "op": "contains", "value": "vip"}]}


@pytest.fixture
def ids(client: Any) -> dict[str, str]:
    contact = call(client, "POST", "/", {"email": "ada@example.com", "first_name": "Ada", "last_name": "L"}).json
    segment = call(client, "POST", "/segments", {"name": "VIPs", "rules": RULES}).json
    job = call(client, "POST", "/imports").json
    return {
        "contact_id": contact["id"],
        "segment_id": segment["id"],
        "import_id": job["id"],
        "company_id": "no-such-company",
        "export_id": "no-such-export",
    }


def test_every_list_route_refuses_forged_cursors(client: Any, ids: dict[str, str]) -> None:
    from contacts.api import app

    lists = list_paths(client, app, ids)
    cid, sid, iid = ids["contact_id"], ids["segment_id"], ids["import_id"]
    expected = [
        "/",
        f"/{cid}/consents",
        f"/{cid}/interactions",
        f"/{cid}/timeline",
        "/companies",
        "/exports",
        "/imports",
        f"/imports/{iid}/rows",
        "/segments",
        f"/segments/{sid}/members",
    ]
    assert sorted(lists) == sorted(expected)
    filtered = ["/?stage=customer&q=ada", f"/{cid}/timeline?kind=order", f"/imports/{iid}/rows?status=error"]
    for path in [*lists, *filtered]:
        refuses_forged_cursors(client, path)


def test_a_cursor_of_one_list_is_refused_by_another(client: Any, ids: dict[str, str]) -> None:
    # Given a real cursor of the contacts list filtered by a tag
    for n in range(3):
        body = {"email": f"c{n}@example.com", "first_name": "C", "last_name": str(n), "tags": ["vip"]}
        assert call(client, "POST", "/", body).status_code == 201
    cursor = call(client, "GET", "/?tag=vip&limit=1").json["next_cursor"]
    assert cursor
    # Then it pages that list, and no other filter of it
    assert call(client, "GET", f"/?tag=vip&limit=1&cursor={cursor}").status_code == 200
    refused = call(client, "GET", f"/?stage=customer&limit=1&cursor={cursor}")
    assert refused.status_code == 400 and refused.json["errors"][0]["field"] == "cursor"


def test_every_write_route_refuses_deep_and_oversized_bodies(client: Any, ids: dict[str, str]) -> None:
    from contacts.api import app

    refuses_deep_and_oversized_bodies(client, app, ids)


def test_custom_fields_are_bounded_and_a_cleared_email_names_email(client: Any, ids: dict[str, str]) -> None:
    deep: dict[str, Any] = {"v": 1}
    for _ in range(20):
        deep = {"v": deep}
    body = {"email": "b@example.com", "first_name": "B", "last_name": "B", "custom_fields": {"x": deep}}
    response = call(client, "POST", "/", body)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "custom_fields"
    response = call(client, "PATCH", f"/{ids['contact_id']}", {"email": None})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "email"
    assert response.json["instance"] == f"/contacts/{ids['contact_id']}"


def test_405_and_415_are_problem_details(client: Any, ids: dict[str, str]) -> None:
    response = call(client, "PUT", f"/{ids['contact_id']}", {})
    assert response.status_code == 405 and response.headers["Content-Type"] == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}
    response = call(client, "POST", "/", {}, headers={"Content-Type": "text/csv"})
    assert response.status_code == 415 and response.json["status"] == 415
