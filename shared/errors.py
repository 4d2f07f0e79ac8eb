"""Domain errors and their RFC 9457 problem-details form.

Use-cases raise these; the HTTP edge maps them to responses by type, once.
"""

from __future__ import annotations

from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    status = 500
    title = "Internal Server Error"
    type_ = "about:blank"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class BadRequest(Problem):
    status, title = 400, "Bad Request"


class Unauthorized(Problem):
    status, title = 401, "Unauthorized"


class Forbidden(Problem):
    status, title = 403, "Forbidden"


class NotFound(Problem):
    status, title = 404, "Not Found"


class MethodNotAllowed(Problem):
    status, title = 405, "Method Not Allowed"


class Conflict(Problem):
    status, title = 409, "Conflict"


class StaleVersion(Conflict):
    """A write named a version (If-Match, or the version it read) that is no longer
    current: read again, then retry. Any service's optimistic write raises it; pass
    ``current_version=`` when the caller may know it (it goes into the problem body)."""

    type_ = "https://crm.example.com/problems/stale-version"


class PreconditionRequired(Problem):
    """428: an update must say which version it read (If-Match), so it cannot lose another's change."""

    status, title = 428, "Precondition Required"


class PreconditionFailed(Problem):
    status, title = 412, "Precondition Failed"


class ContentTooLarge(Problem):
    """413: the body is over the size a route accepts, refused unread."""

    status, title = 413, "Content Too Large"


class UnsupportedMediaType(Problem):
    status, title = 415, "Unsupported Media Type"


class Unprocessable(Problem):
    """422: the body parsed, but fields are wrong. ``errors`` names each field."""

    status, title = 422, "Unprocessable Content"


class TooManyRequests(Problem):
    """429; ``retry_after`` (seconds) becomes the ``Retry-After`` header and a field of the body."""

    status, title = 429, "Too Many Requests"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **extensions: Any) -> None:
        if retry_after is not None:
            extensions["retry_after"] = retry_after
        super().__init__(detail, **extensions)
        self.retry_after = retry_after


def field_error(field: str, message: str) -> Exception:
    """What a model validator (``model_validator``) raises about one of its fields: its
    error names that field (``field_errors``), where a plain ValueError's location is the
    model's own (``body`` at the top)."""
    from pydantic_core import PydanticCustomError

    return PydanticCustomError("value_error", message, {"field": field})


def _field_of(err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    named = (err.get("ctx") or {}).get("field")
    if isinstance(named, str) and err["type"] == "value_error":
        loc.append(named)
    return ".".join(loc) or "body"


def field_errors(exc: Any) -> list[dict[str, str]]:
    """pydantic ValidationError -> [{"field": "a.b", "message": ...}] (no input echoed: PII)."""
    return [
        {"field": _field_of(err), "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_input=False, include_url=False)
    ]
