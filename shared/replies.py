"""What a handler returns and how it goes out: a ``Reply`` (or a model, a dict) as JSON or
as a raw body, and a ``Problem`` as RFC 9457 problem details, Chalice's own refusals
included (shared.http decides when; here is only the shape)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from shared.errors import PROBLEM_CONTENT_TYPE, BadRequest, MethodNotAllowed, Problem, UnsupportedMediaType

if TYPE_CHECKING:
    from chalice.app import Response


@dataclass
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Set for a body that is not JSON (an image, a page: ``bytes`` or ``str``), sent as is.
    media_type: str | None = None


def jsonable(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json")
    if isinstance(body, list):
        return [jsonable(b) for b in body]
    if isinstance(body, dict):
        return {k: jsonable(v) for k, v in body.items()}
    return body


def response_of(reply: Reply) -> Response:
    from chalice.app import Response

    if reply.media_type is not None:
        raw: dict[str, str | list[str]] = {"Content-Type": reply.media_type, **reply.headers}
        return Response(body=reply.body, status_code=reply.status, headers=raw)
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json", **reply.headers}
    return Response(
        body=json.dumps(jsonable(reply.body), separators=(",", ":")), status_code=reply.status, headers=headers
    )


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    from chalice.app import Response

    headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_CONTENT_TYPE}
    if problem.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="crm"'
    retry_after = getattr(problem, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response(body=json.dumps(problem.to_dict(instance)), status_code=problem.status, headers=headers)


# Chalice answers some requests itself, before any view runs ({"Code", "Message"} bodies):
# each becomes a problem with a fixed detail (Chalice's message echoes the request).
_CHALICE_ERRORS: dict[int, Problem] = {
    400: BadRequest("the request is not valid"),
    405: MethodNotAllowed("this method is not allowed on this resource (see the Allow header)"),
    415: UnsupportedMediaType("the body must be JSON (Content-Type: application/json)"),
}


def chalice_problem(status: int) -> Problem:
    if status in _CHALICE_ERRORS:
        return _CHALICE_ERRORS[status]
    problem = Problem("the request could not be served" if status < 500 else None)
    problem.status = status
    problem.title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return problem
