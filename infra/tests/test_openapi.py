"""The committed OpenAPI documents match the routes, and each is valid OpenAPI 3.1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from infra import openapi
from infra.services import existing_services
from shared.auth import PARTNER_ROUTES, PUBLIC_ROUTES

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in document["paths"].items() for m, op in item.items() if m in METHODS]


def test_committed_documents_match_the_routes():
    assert openapi.drift() == [], "run `make schemas` and commit the result"


def test_a_changed_route_is_reported_as_drift(monkeypatch):
    original = openapi.document

    def with_new_path(service: str) -> dict[str, Any]:
        document = json.loads(json.dumps(original(service)))
        if service == "loyalty":
            document["paths"]["/members/{contact_id}/badges"] = {}
        return document

    monkeypatch.setattr(openapi, "document", with_new_path)
    assert openapi.drift() == ["changed  services/loyalty/openapi.json"]


@pytest.mark.parametrize("service", existing_services())
def test_each_document_is_valid_openapi_3_1(service):
    document = json.loads(openapi.path_of(service).read_text())
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/" + service.replace("_", "-")}]


@pytest.mark.parametrize("service", existing_services())
def test_every_operation_is_secured_and_says_its_problems(service):
    document = openapi.document(service)
    operations = _operations(document)
    assert operations
    for method, path, op in operations:
        where = f"{service} {method.upper()} {path}"
        if (service, method.upper(), path) in PUBLIC_ROUTES:
            # The links in emails: no token, no role, and none of the problems a token brings.
            assert op["security"] == [] and op["x-roles"] == [] and "401" not in op["responses"], where
            continue
        assert op["security"] == [{"bearer": []}], where
        assert op["x-roles"], where
        assert ("partner" in op["x-roles"]) == ((service, method.upper(), path) in PARTNER_ROUTES), where
        assert f"Roles: {', '.join(op['x-roles'])}." in op["description"], where
        responses = set(op["responses"])
        assert {"400", "401", "403"} <= responses, where
        if "requestBody" in op:
            assert "422" in responses, where
        if "{" in path:
            assert "404" in responses, where
            assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == {
                part[1:-1] for part in path.split("/") if part.startswith("{")
            }, where


def test_contacts_document_has_bodies_and_every_route():
    document = openapi.document("contacts")
    create = document["paths"]["/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ContactIn"}
    assert "email" in document["components"]["schemas"]["ContactIn"]["properties"]
    assert {"/", "/{contact_id}", "/segments/{segment_id}/members", "/openapi.json"} <= set(document["paths"])
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids))
