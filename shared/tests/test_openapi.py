"""The OpenAPI document a service answers, made from its route declarations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice import Chalice
from chalice.test import Client
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from shared.auth import Role, issue_dev_token
from shared.http import Api, Ctx, Reply, Router
from shared.inputs import QueryModel, RequestModel
from shared.openapi import base_path, build


class ThingIn(RequestModel):
    name: str = Field(min_length=1)
    size: int = 1


class Thing(BaseModel):
    id: str
    name: str


class ThingQuery(QueryModel):
    limit: int = Field(20, ge=1, le=100, description="page size")
    colour: str


def _router() -> Router:
    router = Router()

    @router.route("/things", methods=["POST"], roles={Role.ADMIN}, body=ThingIn, status=201, response=Thing)
    def create_thing(ctx: Ctx) -> Reply:
        """Make a thing.

        It is new.
        """
        return Reply({"id": "1", "name": ctx.body.name}, 201)

    @router.route("/things", roles={Role.ADMIN, Role.SALES}, query=ThingQuery)
    def list_things(ctx: Ctx) -> list[Thing]:
        return [Thing(id="1", name=ctx.params.colour)]

    @router.route("/things/{thing_id}", roles={Role.AGENT})
    def get_thing(ctx: Ctx, thing_id: str) -> Thing:
        return Thing(id=thing_id, name="x")

    @router.route("/things/{thing_id}", methods=["DELETE"], roles={Role.ADMIN}, status=204)
    def drop_thing(ctx: Ctx, thing_id: str) -> Reply:
        return Reply(None, 204)

    return router


def _document() -> dict[str, Any]:
    app = Chalice(app_name="kernel-openapi")
    api = Api(app, "service_kit")
    api.include(_router())
    return api.openapi()


def test_the_document_is_valid_openapi_3_1_with_servers_and_security() -> None:
    document = _document()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/service-kit"}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        **document["components"]["securitySchemes"]["bearer"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert len(operations) == 5  # four declared + GET /openapi.json
    assert all(op["security"] == [{"bearer": []}] and op["x-roles"] for op in operations)


def test_a_body_becomes_the_request_body_and_its_model_a_component() -> None:
    document = _document()
    post = document["paths"]["/things"]["post"]
    assert post["operationId"] == "create_thing"
    assert post["summary"] == "Make a thing"
    assert post["description"] == "It is new.\n\nRoles: admin."
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingIn"}
    thing_in = document["components"]["schemas"]["ThingIn"]
    assert thing_in["required"] == ["name"] and thing_in["additionalProperties"] is False
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert set(post["responses"]) == {"201", "400", "401", "403", "409", "413", "415", "422"}
    assert [p["name"] for p in post["parameters"]] == ["Idempotency-Key"]


def test_a_query_model_becomes_one_query_parameter_per_field() -> None:
    get = _document()["paths"]["/things"]["get"]
    parameters = {p["name"]: p for p in get["parameters"]}
    assert parameters["limit"] == {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "page size",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    }
    assert parameters["colour"]["required"] is True
    assert get["x-roles"] == ["admin", "sales"]
    # The return annotation, a list of a model, is the success response.
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}


def test_a_path_parameter_is_declared_and_the_path_may_answer_404() -> None:
    item = _document()["paths"]["/things/{thing_id}"]
    assert item["get"]["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
    ]
    assert set(item["get"]["responses"]) == {"200", "400", "401", "403", "404", "413"}
    assert item["delete"]["responses"]["204"] == {"description": "Done; no content."}
    problem = {"$ref": "#/components/responses/NotFound"}
    assert item["delete"]["responses"]["404"] == problem


def test_problem_responses_are_problem_details() -> None:
    document = _document()
    not_found = document["components"]["responses"]["NotFound"]
    assert not_found["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]
    assert set(problem["properties"]["errors"]["items"]["properties"]) == {"field", "message", "type"}


def test_the_document_is_deterministic() -> None:
    assert json.dumps(_document(), sort_keys=True) == json.dumps(_document(), sort_keys=True)


def test_two_handlers_of_one_name_are_refused() -> None:
    router = _router()
    twin = router.routes[0]
    router.routes.append(type(twin)("/other", twin.handler, ("POST",), twin.roles, None, 200))
    with pytest.raises(ValueError, match="share the handler name create_thing"):
        build("kit", router.routes)


def test_base_path_is_the_gateway_prefix() -> None:
    assert base_path("contacts") == "/contacts"
    assert base_path("service_desk") == "/service-desk"


def test_every_service_answers_its_document_to_staff_only(table: str) -> None:
    app = Chalice(app_name="kernel-openapi-served")
    Api(app, "kernel").include(_router())
    with Client(app) as client:
        token = {"Authorization": f"Bearer {issue_dev_token('marketer')}"}
        served = client.http.get("/openapi.json", headers=token)
        assert served.status_code == 200
        assert json.loads(served.body)["paths"]["/things"]["post"]["operationId"] == "create_thing"
        assert client.http.get("/openapi.json").status_code == 401
    assert app.routes["/openapi.json"]["GET"].view_function.crm_roles
