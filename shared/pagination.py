"""Cursor pagination: DynamoDB's LastEvaluatedKey as an opaque url-safe token."""

from __future__ import annotations

import base64
import json
from typing import Any

from shared.errors import BadRequest

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise BadRequest("cursor is not valid", errors=[{"field": "cursor", "message": "invalid cursor"}]) from None
    if not isinstance(value, dict):
        raise BadRequest("cursor is not valid", errors=[{"field": "cursor", "message": "invalid cursor"}])
    return value


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(
            f"limit must be an integer from 1 to {MAX_LIMIT}",
            errors=[{"field": "limit", "message": f"must be 1..{MAX_LIMIT}"}],
        )
    return int(raw)


def page_start(cursor: str | None, pk: str) -> dict[str, Any] | None:
    """A cursor's ExclusiveStartKey for a query of partition ``pk``, refused when the cursor
    belongs to another list: a cursor is signed by nobody, so a client could otherwise
    point one list's query into another partition."""
    start = decode_cursor(cursor)
    if start is not None and start.get("pk") != {"S": pk}:
        raise BadRequest("cursor is not valid for this list", errors=[{"field": "cursor", "message": "invalid cursor"}])
    return start
