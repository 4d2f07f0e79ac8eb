"""What a request brings, as every route reads it: the base models of bodies and query
strings, the limits a body must keep, and their parsing into a route's models (a 400, 413
or 422 naming the field at fault). shared.http applies them to every route."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import BadRequest, ContentTooLarge, PreconditionRequired, Unprocessable, field_errors
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared.types import json_depth_exceeds

# Bodies are refused unread above this (413), on every route. Why 256 KiB: a body becomes
# one DynamoDB item (400 KB at most) and one event (EventBridge takes 256 KB an entry), so
# nothing larger could be kept; API Gateway (10 MB) and Lambda (6 MB) would let it through.
# The largest body here (a contact with its custom fields, a segment) is a few KB; files
# (imports, exports) go to S3 through presigned URLs, never through the API.
MAX_BODY_BYTES = 256 * 1024
# Arrays/objects a body may nest (422 beyond it, checked before the parser recurses): the
# deepest real one, a segment's rule tree, nests about 12.
MAX_BODY_DEPTH = 32

BodyT = TypeVar("BodyT", bound=BaseModel)
QueryT = TypeVar("QueryT", bound=BaseModel)


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields are rejected (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QueryModel(BaseModel):
    """Base of a route's query parameters (``Router.route(query=...)``): validated like a
    body, each value a string as it arrived; an unknown parameter is refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoQuery(QueryModel):
    """What a route that declares no ``query=`` accepts: no parameter at all, so that every
    parameter a route reads is declared (validated, and described in the OpenAPI document)."""


class PageQuery(QueryModel):
    """The parameters of every paged list; a list with filters extends it."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.")
    # Passed on as it came: the list's use case reads (and refuses) a cursor.
    cursor: str | None = Field(None, max_length=2048, description="The `next_cursor` of the page before.")


def _bytes(raw: bytes | str | None) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw or b""


def check_body_size(raw: bytes | str | None) -> None:
    """A 413 for a body over ``MAX_BODY_BYTES``, whatever the route does with it."""
    if raw and len(_bytes(raw)) > MAX_BODY_BYTES:
        raise ContentTooLarge(
            f"the body is larger than {MAX_BODY_BYTES} bytes",
            errors=[{"field": "body", "message": f"at most {MAX_BODY_BYTES} bytes"}],
        )


def parse_body(raw: bytes | str | None, model: type[BodyT]) -> BodyT:
    if not raw:
        raise BadRequest("a JSON body is required", errors=[{"field": "body", "message": "missing"}])
    check_body_size(raw)
    if json_depth_exceeds(_bytes(raw), MAX_BODY_DEPTH):
        raise Unprocessable(
            f"the body nests deeper than {MAX_BODY_DEPTH} levels",
            errors=[{"field": "body", "message": f"nests at most {MAX_BODY_DEPTH} levels"}],
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("the body is not valid JSON", errors=[{"field": "body", "message": "invalid JSON"}]) from None
    if not isinstance(data, dict):
        raise Unprocessable("the body must be a JSON object", errors=[{"field": "body", "message": "not an object"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        names = ", ".join(e["field"] for e in errors)
        raise Unprocessable(f"invalid fields: {names}", errors=errors) from None


def patched(current: BaseModel, patch: BaseModel, model: type[BodyT]) -> BodyT:
    """PATCH: ``current`` with the fields ``patch`` sent, checked again as a whole by
    ``model`` (fields fine alone may break a rule across them): 422 naming each field at
    fault, a rule across fields under the first field sent."""
    changes = patch.model_dump(exclude_unset=True)
    try:
        return model.model_validate({**current.model_dump(include=set(model.model_fields)), **changes})
    except ValidationError as exc:
        errors = [{**e, "field": next(iter(changes), "body")} if e["field"] == "body" else e for e in field_errors(exc)]
        raise Unprocessable(f"invalid fields: {', '.join(e['field'] for e in errors)}", errors=errors) from None


def parse_query(raw: Mapping[str, str] | None, model: type[QueryT]) -> QueryT:
    """The query string as the route's model; a 400 naming each parameter at fault."""
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        errors = field_errors(exc)
        names = ", ".join(e["field"] for e in errors)
        raise BadRequest(f"invalid query parameters: {names}", errors=errors) from None


def parse_if_match(header: str | None, what: str = "the record") -> int:
    """If-Match: "<version>" (W/ and bare forms accepted). Missing -> 428: an update must
    name the version it read, or it could silently undo someone else's change."""
    if header is None or not header.strip():
        raise PreconditionRequired(
            f"updates need If-Match with {what}'s ETag", errors=[{"field": "If-Match", "message": "required"}]
        )
    raw = header.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest("If-Match is not a version", errors=[{"field": "If-Match", "message": 'expected "<version>"'}])
    return int(raw)


def etag(version: int) -> dict[str, str]:
    """The ETag header of a record at ``version`` (what If-Match names back)."""
    return {"ETag": f'"{version}"'}
