"""DynamoDB attribute values <-> plain Python values, for the segments, consent and
privacy repositories (low-level client: transactions with ADD counters, and export of
items whatever area wrote them). boto3's TypeSerializer would cost boto3's import on a
cold start for these thirty lines."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.events import Outgoing

Item = dict[str, Any]


def to_av(value: Any) -> dict[str, Any]:  # noqa: PLR0911 - one return per DynamoDB type
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": value}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_av(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_av(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"SS": sorted(str(v) for v in value)}
    raise TypeError(f"cannot store {type(value).__name__}")


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_av(v) for k, v in values.items()}


def from_av(av: Mapping[str, Any]) -> Any:  # noqa: PLR0911 - one return per DynamoDB type
    (kind, value), *_ = av.items()
    if kind == "NULL":
        return None
    if kind in ("S", "BOOL"):
        return value
    if kind == "N":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else number
    if kind == "B":
        return value if isinstance(value, bytes) else base64.b64decode(value)
    if kind == "M":
        return {k: from_av(v) for k, v in value.items()}
    if kind == "L":
        return [from_av(v) for v in value]
    if kind == "SS":
        return sorted(value)
    if kind == "NS":
        return sorted(Decimal(v) for v in value)
    if kind == "BS":
        return list(value)
    raise TypeError(f"unknown attribute type {kind}")


def from_item(item: Mapping[str, Any] | None) -> Item | None:
    return None if item is None else {k: from_av(v) for k, v in item.items()}


def jsonable(value: Any) -> Any:
    """Decimals and bytes made JSON-friendly (export)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def outbox_put(table: str, event: Outgoing) -> dict[str, Any]:
    """A TransactWriteItems Put of one outbox record (same shape as shared.outbox.outbox_record)."""
    from shared.outbox import OUTBOX_PREFIX, OUTBOX_TTL

    expires = int((datetime.now(UTC) + OUTBOX_TTL).timestamp())
    return {
        "Put": {
            "TableName": table,
            "Item": {
                "pk": {"S": OUTBOX_PREFIX + event.event_id},
                "sk": {"S": "OUTBOX"},
                "source": {"S": event.source},
                "detail_type": {"S": event.detail_type},
                "detail": {"S": json.dumps(event.detail, separators=(",", ":"))},
                "expires_at": {"N": str(expires)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def page_start(cursor: str | None, pk: str) -> dict[str, Any] | None:
    """A cursor's ExclusiveStartKey, refused when it does not belong to this list."""
    from shared.errors import BadRequest
    from shared.pagination import decode_cursor

    start = decode_cursor(cursor)
    if start is not None and start.get("pk") != {"S": pk}:
        raise BadRequest("cursor is not valid for this list", errors=[{"field": "cursor", "message": "invalid cursor"}])
    return start


def transaction_conflict(exc: BaseException) -> bool:
    """A transaction cancelled by a condition or a concurrent transaction (worth a re-read)."""
    response = getattr(exc, "response", None) or {}
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    codes = {r.get("Code") for r in response.get("CancellationReasons", [])}
    return bool(codes & {"ConditionalCheckFailed", "TransactionConflict"})
