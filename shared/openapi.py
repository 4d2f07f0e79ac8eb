"""A service's OpenAPI 3.1 document, made from what its routes declare (``Api.routes``).

Each ``RouteSpec`` gives an operation: its path (Chalice's ``{param}`` templates are
OpenAPI's), the handler's name (operationId) and docstring (summary, description), the
``body=`` model (requestBody), the ``query=`` model (one ``in: query`` parameter per
field), the success response (``response=``, else the handler's return annotation when it
is a pydantic model or a list of one), the problem responses the edge can answer
(RFC 9457, ``application/problem+json``), the bearer scheme and the roles (``x-roles``).

Every JSON Schema comes from pydantic (draft 2020-12, which OpenAPI 3.1 uses as is), its
definitions hoisted into ``components.schemas``. The output is deterministic: the same
routes give the same document, so it can be committed and checked for drift.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.errors import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from shared.http import Api, RouteSpec

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PATH_PARAM = re.compile(r"{([^}/]+)}")
SECURITY_SCHEME = "bearer"
IDEMPOTENCY_KEY_MAX = 128

# status -> (components.responses name, when the edge answers it)
PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is malformed: invalid JSON, or a query parameter or header is wrong."),
    401: ("Unauthorized", "No bearer token, or it is invalid or expired."),
    403: ("Forbidden", "The token's role may not call this operation."),
    404: ("NotFound", "Nothing with this id, or it is outside the caller's reach (answered alike)."),
    409: ("Conflict", "The write conflicts with the current state (a duplicate, a stale version, a replay)."),
    413: ("ContentTooLarge", "The body is over 256 KiB (refused unread)."),
    415: ("UnsupportedMediaType", "The body is not application/json."),
    422: ("Unprocessable", "The body parsed, but fields are invalid or unknown (`errors` names each)."),
    428: (
        "PreconditionRequired",
        "The update names no version where one is required: send If-Match with the ETag read.",
    ),
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Some problems add members (e.g. `existing_id`, `current_version`).",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the problem type; `about:blank` when generic."},
        "title": {"type": "string", "description": "The HTTP status's reason phrase."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "The requested path."},
        "errors": {
            "type": "array",
            "description": "Each field at fault.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "Dotted path of the field, header or parameter."},
                    "message": {"type": "string"},
                    "type": {"type": "string", "description": "A machine-readable error kind."},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

Mode = Literal["validation", "serialization"]
# (model, mode) -> the ``$ref`` schema that names it
Refs = dict[tuple[type[BaseModel], Mode], dict[str, Any]]


def base_path(service: str) -> str:
    """The service's prefix on the API domain: ``service_desk`` -> ``/service-desk``."""
    return "/" + service.replace("_", "-")


@dataclass(frozen=True)
class _Success:
    """What a success answers: a model, a list of one, or any JSON object (``kind``)."""

    kind: Literal["model", "list", "object", "unknown"]
    model: type[BaseModel] | None = None


def _success(spec: RouteSpec) -> _Success:
    declared = spec.response
    if declared is None:
        try:
            declared = typing.get_type_hints(spec.handler).get("return")
        except (NameError, TypeError):  # a name imported only for type checking
            declared = None
    return _shape(declared)


def _shape(declared: Any) -> _Success:
    if isinstance(declared, type) and issubclass(declared, BaseModel):
        return _Success("model", declared)
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is list and len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return _Success("list", args[0])
    if declared is dict or origin is dict:
        return _Success("object")
    return _Success("unknown")


def _models(routes: Iterable[RouteSpec]) -> list[tuple[type[BaseModel], Mode]]:
    """Every model the document names, once per mode, in a stable order."""
    found: dict[tuple[str, str, Mode], tuple[type[BaseModel], Mode]] = {}
    for spec in routes:
        inputs = [m for m in (spec.body, spec.query) if m is not None]
        for model in inputs:
            found[(model.__module__, model.__qualname__, "validation")] = (model, "validation")
        success = _success(spec)
        if success.model is not None:
            found[(success.model.__module__, success.model.__qualname__, "serialization")] = (
                success.model,
                "serialization",
            )
    return [found[key] for key in sorted(found)]


def _schemas(routes: list[RouteSpec]) -> tuple[Refs, dict[str, Any]]:
    """(model, mode) -> its ``$ref`` schema, and ``components.schemas``. pydantic names
    the definitions, disambiguating two models of one name and a model whose input and
    output differ (``Name-Input``/``Name-Output``)."""
    models = _models(routes)
    if not models:
        return {}, {}
    keyed, top = models_json_schema(models, ref_template=REF)
    refs: Refs = {(model, mode): schema for (model, mode), schema in keyed.items() if issubclass(model, BaseModel)}
    return refs, dict(top.get("$defs", {}))


def _words(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _doc(spec: RouteSpec) -> tuple[str, str]:
    doc = inspect.getdoc(spec.handler) or ""
    first, _, rest = doc.partition("\n")
    summary = " ".join(first.split()) or _words(spec.handler.__name__)
    return summary.rstrip("."), rest.strip()


def _tag(spec: RouteSpec, service: str) -> str:
    """A feature's folder (``contacts.records.routes`` -> records), else the service."""
    parts = spec.handler.__module__.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == service else service


def _path_parameters(path: str, patterns: dict[str, str] | None = None) -> list[dict[str, Any]]:
    def schema(name: str) -> dict[str, Any]:
        pattern = (patterns or {}).get(name)
        return {"type": "string", "minLength": 1, **({"pattern": pattern} if pattern else {})}

    return [{"name": name, "in": "path", "required": True, "schema": schema(name)} for name in PATH_PARAM.findall(path)]


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    parameters = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        prop = dict(properties.get(key, {}))
        description = prop.pop("description", None) or field.description
        prop.pop("title", None)
        parameter: dict[str, Any] = {"name": key, "in": "query", "required": key in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _problems(spec: RouteSpec, method: str) -> list[int]:
    # Any request may carry a body, and an oversized one is refused unread on every route.
    statuses = {400, 413} if spec.public else {400, 401, 403, 413}
    names_a_record = spec.query is not None and any(f.is_required() for f in spec.query.model_fields.values())
    if PATH_PARAM.search(spec.path) or names_a_record:
        statuses.add(404)  # the record named (in the path or a required query) is missing or out of reach
    if method in WRITES and not spec.public:
        # A stale version or duplicate; an Idempotency-Key in progress (409) or reused
        # with another body (422).
        statuses |= {409, 422}
    if method in {"PATCH", "PUT", "DELETE"}:
        statuses.add(428)  # changes to a versioned record are optimistic: some require If-Match
    if spec.body is not None:
        statuses |= {415, 422}
    return sorted(statuses)


def _json_content(schema: dict[str, Any] | None) -> dict[str, Any]:
    return {"application/json": {"schema": schema} if schema is not None else {}}


def _success_schema(success: _Success, refs: Refs) -> dict[str, Any] | None:
    if success.model is not None:
        ref = refs[(success.model, "serialization")]
        return {"type": "array", "items": ref} if success.kind == "list" else ref
    return {"type": "object"} if success.kind == "object" else None


def operation(spec: RouteSpec, method: str, service: str, refs: Refs, defs: dict[str, Any]) -> dict[str, Any]:
    summary, description = _doc(spec)
    roles = sorted(str(role) for role in spec.roles)
    said = (
        "Public: no token; only what the path's signed token allows." if spec.public else f"Roles: {', '.join(roles)}."
    )
    parameters = _path_parameters(spec.path, dict(spec.path_patterns))
    if spec.query is not None:
        parameters += _query_parameters(spec.query, _resolve(refs[(spec.query, "validation")], defs))
    if method in WRITES and not spec.public:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "The first response to this key (per caller, method and path) is replayed for 24 h.",
                "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
            }
        )
    success = _success(spec)
    responses: dict[str, Any] = {}
    if spec.media_type is not None or spec.status in REDIRECTS:
        responses.update(_raw_responses(spec))
    elif spec.status == 204:
        responses["204"] = {"description": "Done; no content."}
        if success.model is not None:  # a representation the client may ask for (Prefer: return=representation)
            content = _json_content(_success_schema(success, refs))
            responses["200"] = {"description": "Done, with a representation on request.", "content": content}
    else:
        content = _json_content(_success_schema(success, refs))
        for status in (spec.status, *spec.also):
            responses[str(status)] = {"description": "Success.", "content": content}
    for status in _problems(spec, method):
        responses[str(status)] = {"$ref": f"#/components/responses/{PROBLEMS[status][0]}"}
    op: dict[str, Any] = {
        "operationId": spec.handler.__name__,
        "summary": summary,
        "description": f"{description}\n\n{said}" if description else said,
        "tags": [_tag(spec, service)],
        "security": [] if spec.public else [{SECURITY_SCHEME: []}],
        "x-roles": roles,
        "responses": responses,
    }
    if parameters:
        op["parameters"] = parameters
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": _json_content(refs[(spec.body, "validation")])}
    return op


REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _raw_responses(spec: RouteSpec) -> dict[str, Any]:
    """A success that is not JSON: a redirect (``Location``), or a body of ``media_type``."""
    if spec.status in REDIRECTS:
        location = {"Location": {"description": "Where to go.", "schema": {"type": "string", "format": "uri"}}}
        return {str(spec.status): {"description": "A redirect.", "headers": location}}
    assert spec.media_type is not None
    schema: dict[str, Any] = {"type": "string"}
    if not spec.media_type.startswith("text/"):
        schema["contentMediaType"] = spec.media_type
    return {str(spec.status): {"description": "Success.", "content": {spec.media_type: {"schema": schema}}}}


def _resolve(ref: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A ``$ref`` schema's definition (a query model's fields become parameters)."""
    name = str(ref.get("$ref", "")).rsplit("/", 1)[-1]
    found: dict[str, Any] = defs.get(name, ref)
    return found


def document(api: Api) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route ``api`` included."""
    return build(api.service, api.routes)


def build(service: str, routes: list[RouteSpec]) -> dict[str, Any]:
    refs, defs = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for spec in routes:
        for method in spec.methods:
            op = operation(spec, method.upper(), service, refs, defs)
            where = f"{method} {spec.path}"
            if op["operationId"] in seen:
                raise ValueError(f"{where} and {seen[op['operationId']]} share the handler name {op['operationId']}")
            seen[op["operationId"]] = where
            paths.setdefault(spec.path, {})[method.lower()] = op
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"CRM {service.replace('_', ' ')} API",
            "version": "1.0.0",
            "description": (
                f"The {service} service's HTTP API, generated from its route declarations. Every operation needs a "
                "bearer JWT whose role is one of the operation's `x-roles`; errors are RFC 9457 problem details "
                "(`application/problem+json`). Writes accept an `Idempotency-Key`."
            ),
        },
        "servers": [{"url": base_path(service)}],
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {
            "schemas": {**defs, "Problem": PROBLEM_SCHEMA},
            "responses": {
                name: {
                    "description": description,
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
                }
                for name, description in PROBLEMS.values()
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": (
                        "Cognito in the cloud; locally and in dev an HS256 JWT from `make token ROLE=<role>`. "
                        "The role is the `custom:role` claim or the first of `cognito:groups`."
                    ),
                }
            },
        },
    }
