"""Cursor pagination: DynamoDB's LastEvaluatedKey as an opaque, signed url-safe token.

A cursor is ``<payload>.<mac>``: the payload (url-safe base64 of JSON) holds the start key
and a digest of the list it was made for (``of``: a partition, a list name, its filters); the mac is
an HMAC-SHA256 of the payload under the stage's cursor key (``Settings.cursor_key``). A
cursor that was not made here, was altered or truncated, or belongs to another list is a
400 naming ``cursor``, before anything reaches DynamoDB: no client-chosen content is ever
an ExclusiveStartKey. Cursors do not expire; rotating the key invalidates every cursor
in flight (a client restarts its list).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from shared.errors import BadRequest

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# Ours are well under this (a key of two or three attributes); longer is refused unread.
MAX_CURSOR_LENGTH = 2048
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str) -> str:
    from shared.settings import get_settings

    return _b64(hmac.new(get_settings().cursor_key, payload.encode(), hashlib.sha256).digest())


def _list_id(of: str) -> str:
    # A digest, not the list itself: a list may be named by its filters (an email searched
    # for), which a cursor, handed around in URLs and logs, must not carry.
    return _b64(hashlib.sha256(of.encode()).digest()[:12])


def _invalid(message: str = "invalid cursor") -> BadRequest:
    return BadRequest("cursor is not valid", errors=[{"field": "cursor", "message": message}])


def encode_cursor(last_key: dict[str, Any] | None, *, of: str) -> str | None:
    """The cursor of the page after ``last_key`` in the list ``of``; None at the end."""
    if not last_key:
        return None
    payload = _b64(json.dumps({"of": _list_id(of), "key": last_key}, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_mac(payload)}"


def decode_cursor(cursor: str | None, *, of: str) -> dict[str, Any] | None:
    """The start key a cursor of the list ``of`` carries (None for no cursor); a 400 naming
    ``cursor`` for anything this stage did not sign for that list."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid("too long")
    payload, _, mac = cursor.partition(".")
    if not _TOKEN.match(payload) or not _TOKEN.match(mac) or not hmac.compare_digest(mac, _mac(payload)):
        raise _invalid()
    try:
        value = json.loads(_unb64(payload))
    except (ValueError, TypeError):  # signed by us, so never; kept a 400 all the same
        raise _invalid() from None
    if not isinstance(value, dict) or not isinstance(value.get("key"), dict) or not value["key"]:
        raise _invalid()
    if value.get("of") != _list_id(of):
        raise _invalid("the cursor belongs to another list")
    key: dict[str, Any] = value["key"]
    return key


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(
            f"limit must be an integer from 1 to {MAX_LIMIT}",
            errors=[{"field": "limit", "message": f"must be 1..{MAX_LIMIT}"}],
        )
    return int(raw)


def page_start(cursor: str | None, pk: str, *, of: str | None = None) -> dict[str, Any] | None:
    """A cursor's ExclusiveStartKey for a query of partition ``pk`` (the list ``of``,
    ``pk`` itself by default): signed for that list, and keyed in that partition."""
    start = decode_cursor(cursor, of=of or pk)
    if start is not None and start.get("pk") != {"S": pk}:
        raise _invalid("the cursor belongs to another list")
    return start


PARTS_PER_PAGE = 25  # partitions asked at most per page: a page's cost stays bounded


def page_across(
    parts: list[str],
    cursor: str | None,
    *,
    of: str,
    limit: int,
    read: Callable[[str, int, dict[str, Any] | None], tuple[list[T], dict[str, Any] | None]],
) -> tuple[list[T], str | None]:
    """One page of a list made of several partitions read in turn (a manager's reps' deals
    or tasks: one query each). ``read(part, limit, start)`` gives a partition's items and
    where it stopped. The cursor names the partition and the key in it where the next page
    starts; one naming a partition not in ``parts`` (another caller's or filter's) is refused.
    At most PARTS_PER_PAGE partitions are asked per page, so a page may hold fewer items."""
    start = decode_cursor(cursor, of=of)
    position, key = 0, None
    if start is not None:
        part, key = start.get("a"), start.get("k")
        if part not in parts or not (key is None or isinstance(key, dict)):
            raise _invalid("not a cursor of this list")
        position = parts.index(part)
    items: list[T] = []
    after: dict[str, Any] | None = None
    for asked, part in enumerate(parts[position:], start=position):
        if len(items) >= limit or asked - position >= PARTS_PER_PAGE:
            after = {"a": part, "k": None}
            break
        found, last = read(part, limit - len(items), key)
        items.extend(found)
        key = None
        if last is not None:  # this partition has more: the page ends here
            after = {"a": part, "k": last}
            break
    return items, encode_cursor(after, of=of)
