"""The HTTP edge: authentication, roles, body validation, problem details, Idempotency-Key."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from chalice import Chalice
from chalice.test import Client
from pydantic import Field

from shared.auth import Role, issue_dev_token
from shared.errors import NotFound
from shared.http import Api, Ctx, Reply, Router
from shared.inputs import QueryModel, RequestModel
from shared.settings import DEV_SIGNING_KEY, ConfigurationError, function_environment

calls: list[str] = []


class ThingIn(RequestModel):
    name: str
    size: int = 1


def _app() -> Chalice:
    app = Chalice(app_name="kernel-test")
    router = Router()

    @router.route("/things", methods=["POST"], roles={Role.ADMIN}, body=ThingIn, status=201)
    def create(ctx: Ctx) -> dict[str, Any]:
        calls.append(ctx.body.name)
        return {"name": ctx.body.name, "n": len(calls)}

    @router.route("/things/{thing_id}", roles={Role.ADMIN, Role.AGENT})
    def get(ctx: Ctx, thing_id: str) -> Reply:
        if thing_id == "missing":
            raise NotFound("no such thing")
        if thing_id == "boom":
            raise RuntimeError("secret internals")
        return Reply({"id": thing_id}, headers={"ETag": '"3"'})

    Api(app, "kernel").include(router)
    return app


@pytest.fixture
def client(table: str) -> Iterator[Client]:
    calls.clear()
    with Client(_app()) as c:
        yield c


def _auth(role: str = "admin", **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(role)}", "Content-Type": "application/json", **extra}


def _problem(response: Any) -> dict[str, Any]:
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == response.status_code
    return body


def test_a_valid_request_gets_its_status_and_headers(client: Client) -> None:
    r = client.http.post("/things", headers=_auth(), body=json.dumps({"name": "a"}))
    assert r.status_code == 201 and json.loads(r.body) == {"name": "a", "n": 1}
    r = client.http.get("/things/7", headers=_auth("agent"))
    assert r.status_code == 200 and r.headers["ETag"] == '"3"'


def test_no_token_is_401_problem(client: Client) -> None:
    r = client.http.get("/things/7")
    assert r.status_code == 401 and _problem(r)["title"] == "Unauthorized"
    assert "Bearer" in r.headers["WWW-Authenticate"]


def test_an_api_without_token_verification_is_not_built() -> None:
    # Given a deployed function's environment without the pool (and without the local flag)
    deployed = function_environment({"CRM_DEV_AUTH": "", "CRM_STAGE": "prod"})
    # Then building the API fails, naming what is missing: at cold start, not per request
    with deployed, pytest.raises(ConfigurationError, match="CRM_JWKS_URL"):
        _app()


def test_a_token_naming_no_known_role_is_401(client: Client) -> None:
    token = jwt.encode(
        {"sub": "u", "custom:role": "root", "iat": int(time.time()), "exp": int(time.time()) + 60},
        DEV_SIGNING_KEY,
        algorithm="HS256",
    )
    r = client.http.get("/things/7", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and _problem(r)["detail"] == "the token carries no known role"


def test_wrong_role_is_403_and_nothing_runs(client: Client) -> None:
    r = client.http.post("/things", headers=_auth("agent"), body=json.dumps({"name": "a"}))
    assert r.status_code == 403 and _problem(r)
    assert calls == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("", 400, "body"),
        ("{not json", 400, "body"),
        ("[1]", 422, "body"),
        (json.dumps({"size": 2}), 422, "name"),
        (json.dumps({"name": "a", "admin": True}), 422, "admin"),
        (json.dumps({"name": "a", "size": "big"}), 422, "size"),
    ],
)
def test_bad_bodies_name_the_field_and_change_nothing(client: Client, body: str, status: int, field: str) -> None:
    r = client.http.post("/things", headers=_auth(), body=body)
    assert r.status_code == status
    assert field in [e["field"] for e in _problem(r)["errors"]]
    assert calls == []


def test_domain_errors_and_crashes_become_problems_never_bare_500s(client: Client) -> None:
    assert _problem(client.http.get("/things/missing", headers=_auth()))["status"] == 404
    crash = client.http.get("/things/boom", headers=_auth())
    assert crash.status_code == 500
    assert "secret internals" not in crash.body.decode()


def test_idempotency_key_replays_the_first_response(client: Client) -> None:
    headers = _auth(**{"Idempotency-Key": "k-1"})
    first = client.http.post("/things", headers=headers, body=json.dumps({"name": "a"}))
    again = client.http.post("/things", headers=headers, body=json.dumps({"name": "a"}))
    assert (first.status_code, again.status_code) == (201, 201)
    assert json.loads(first.body) == json.loads(again.body)
    assert calls == ["a"]
    reused = client.http.post("/things", headers=headers, body=json.dumps({"name": "b"}))
    assert reused.status_code == 422 and _problem(reused)["errors"][0]["field"] == "Idempotency-Key"
    assert calls == ["a"]


def test_a_router_registers_nothing_until_included_and_then_guards_its_routes(table: str) -> None:
    # Given a feature's router declaring one route
    router = Router()

    @router.route("/ping/{n}", roles={Role.AGENT})
    def ping(ctx: Ctx, n: str) -> dict[str, str]:
        return {"n": n, "by": ctx.principal.subject}

    app = Chalice(app_name="kernel-router")
    # Then declaring registered nothing on any app
    assert app.routes == {}
    # When the service's api includes it
    Api(app, "kernel").include(router)
    with Client(app) as c:
        # Then it is served with auth and roles
        assert c.http.get("/ping/3", headers=_auth("agent")).status_code == 200
        assert c.http.get("/ping/3", headers=_auth("marketer")).status_code == 403
        assert c.http.get("/ping/3").status_code == 401
    assert app.routes["/ping/{n}"]["GET"].view_function.crm_roles == frozenset({Role.AGENT})


def test_a_public_route_is_served_without_a_token_only_where_the_list_names_it(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.http

    # Given a public route answering a GIF, and one the list does not name
    router = Router()

    @router.route("/t/{token}", roles=(), public=True, media_type="image/gif")
    def pixel(ctx: Ctx, token: str) -> Reply:
        return Reply(b"GIF89a" if token == "good" else b"", 200, media_type="image/gif")

    unlisted = Router()
    unlisted.route("/open/{x}", roles=(), public=True)(lambda ctx, x: {})
    monkeypatch.setattr(shared.http, "PUBLIC_ROUTES", frozenset({("kernel", "GET", "/t/{token}")}))
    app = Chalice(app_name="kernel-public")
    api = Api(app, "kernel")
    api.include(router)
    # When it is called without any token (an image accepted)
    with Client(app) as c:
        answer = c.http.get("/t/good", headers={"Accept": "image/*"})
    # Then it answers its bytes as they are, and says it admits no role
    assert (answer.status_code, answer.body, answer.headers["Content-Type"]) == (200, b"GIF89a", "image/gif")
    assert app.routes["/t/{token}"]["GET"].view_function.crm_public is True
    # ... while a public route missing from the list is refused at cold start, and roles with public too
    with pytest.raises(ValueError, match="PUBLIC_ROUTES"):
        api.include(unlisted)
    with pytest.raises(ValueError, match="admits no roles"):
        Router().route("/x", roles={Role.ADMIN}, public=True)


# --- limits, Chalice's own errors, instance, model-level errors --------------------------


def test_an_oversized_body_is_a_413_before_it_is_read(client: Client) -> None:
    from shared.inputs import MAX_BODY_BYTES

    big = json.dumps({"name": "a" * MAX_BODY_BYTES})
    r = client.http.post("/things", headers=_auth(), body=big)
    assert r.status_code == 413 and _problem(r)["errors"][0]["field"] == "body"
    # On a route that takes no body too
    r = client.http.get("/things/7", headers=_auth(), body=big)
    assert r.status_code == 413
    assert calls == []


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "a", "x": ' + "[" * 1000 + "]" * 1000 + "}",  # ~2 KB: RecursionError in the parser before
        '{"name": "a", "x": ' + '{"a":' * 40 + "1" + "}" * 40 + "}",
        "[" * 100_000,  # unbalanced, deep
    ],
)
def test_a_deeply_nested_body_is_a_422_naming_body(client: Client, body: str) -> None:
    r = client.http.post("/things", headers=_auth(), body=body)
    assert r.status_code == 422 and _problem(r)["errors"][0]["field"] == "body"
    assert calls == []


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    from shared.types import json_depth_exceeds

    assert not json_depth_exceeds(json.dumps({"a": "[" * 500, "b": ['\\"{{{', "]]"]}).encode(), 3)
    assert json_depth_exceeds(b'{"a": [[[[1]]]]}', 4)
    assert not json_depth_exceeds(b'{"a": [[[1]]]}', 4)
    assert not json_depth_exceeds(b'"unterminated \\', 1)


def test_a_free_form_json_field_is_bounded_in_depth_and_size() -> None:
    from pydantic import BaseModel, ValidationError

    from shared.errors import field_errors
    from shared.types import JsonObject

    class Free(BaseModel):
        data: JsonObject

    assert Free(data={"a": [{"b": 1}]}).data == {"a": [{"b": 1}]}
    deep: dict[str, object] = {}
    node = deep
    for _ in range(255):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    for bad in (deep, {"a": "x" * 40_000}):
        with pytest.raises(ValidationError) as err:
            Free(data=bad)
        assert [e["field"] for e in field_errors(err.value)] == ["data"]


def test_a_model_validator_error_names_its_field() -> None:
    from pydantic import BaseModel, ValidationError, model_validator

    from shared.errors import field_error, field_errors

    class Patch(BaseModel):
        email: str | None = None

        @model_validator(mode="after")
        def _kept(self) -> Patch:
            if self.email is None:
                raise field_error("email", "email cannot be cleared")
            return self

    class Outer(BaseModel):
        patch: Patch

    with pytest.raises(ValidationError) as err:
        Patch(email=None)
    assert field_errors(err.value) == [{"field": "email", "message": "email cannot be cleared", "type": "value_error"}]
    with pytest.raises(ValidationError) as err:
        Outer(patch={"email": None})  # type: ignore[arg-type]
    assert field_errors(err.value)[0]["field"] == "patch.email"


def test_chalice_own_405_and_415_are_problem_details(client: Client) -> None:
    r = client.http.delete("/things/7", headers=_auth())
    assert r.status_code == 405 and _problem(r)["title"] == "Method Not Allowed"
    assert r.headers["Allow"] == "GET"
    assert _problem(r)["instance"] == "/kernel/things/7"
    r = client.http.post("/things", headers=_auth(**{"Content-Type": "text/plain"}), body="name=a")
    assert r.status_code == 415 and _problem(r)["title"] == "Unsupported Media Type"
    assert "text/plain" not in r.body.decode()
    assert calls == []


def test_instance_is_the_public_path_under_the_service_base_path(table: str) -> None:
    from shared.http import base_path

    assert base_path("service_desk") == "/service-desk" and base_path("contacts") == "/contacts"
    router = Router()

    @router.route("/tickets/{ticket_id}", roles={Role.AGENT})
    def ticket(ctx: Ctx, ticket_id: str) -> None:
        raise NotFound("no such ticket")

    app = Chalice(app_name="kernel-instance")
    Api(app, "service_desk").include(router)
    with Client(app) as c:
        r = c.http.get("/tickets/t-1", headers=_auth("agent"))
    assert _problem(r)["instance"] == "/service-desk/tickets/t-1"


class SizeQuery(QueryModel):
    size: int = Field(1, ge=1, le=9, description="How many.")


def test_query_parameters_are_declared_validated_and_said_before_the_body(table: str) -> None:
    # Given a route declaring its query, and one declaring none
    router = Router()

    @router.route("/sized", roles={Role.ADMIN}, query=SizeQuery)
    def sized(ctx: Ctx) -> dict[str, int]:
        return {"size": ctx.params.size}

    @router.route("/plain", methods=["POST"], roles={Role.ADMIN}, body=ThingIn)
    def plain(ctx: Ctx) -> dict[str, Any]:
        return {"params": ctx.params}

    app = Chalice(app_name="kernel-query")
    Api(app, "kernel").include(router)
    with Client(app) as c:
        # Then the declared ones arrive validated (or default)
        assert json.loads(c.http.get("/sized?size=3", headers=_auth()).body) == {"size": 3}
        assert json.loads(c.http.get("/sized", headers=_auth()).body) == {"size": 1}
        # ... a bad or unknown one is a 400 naming each
        bad = c.http.get("/sized?size=10&colour=red", headers=_auth())
        assert bad.status_code == 400 and {e["field"] for e in _problem(bad)["errors"]} == {"size", "colour"}
        # ... a route declaring none refuses any, before its body is read
        refused = c.http.post("/plain?size=1", headers=_auth())
        assert refused.status_code == 400 and [e["field"] for e in _problem(refused)["errors"]] == ["size"]
        ok = c.http.post("/plain", headers=_auth(), body=json.dumps({"name": "a"}))
        assert ok.status_code == 200 and json.loads(ok.body) == {"params": None}
