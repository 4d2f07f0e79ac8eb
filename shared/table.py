"""pynamodb plumbing shared by the services' repositories: table meta and transactions.

Every service owns one table, ``crm-<stage>-<service>``, keyed ``pk``/``sk`` with a
stream (the outbox relay reads it) and TTL on ``expires_at``.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.settings import get_settings

if TYPE_CHECKING:
    from pynamodb.connection import Connection
    from pynamodb.transactions import TransactWrite

TTL_ATTRIBUTE = "expires_at"
BATCH_GET_KEYS = 100  # BatchGetItem's limit per call


def table_meta(service: str) -> Any:
    """A pynamodb ``Meta`` for the service's table, bound to the configured endpoint."""
    settings = get_settings()
    attrs: dict[str, Any] = {"table_name": settings.table_name(service), "region": settings.region}
    if settings.endpoint_url:
        attrs["host"] = settings.endpoint_url
    return type("Meta", (), attrs)


@lru_cache(maxsize=1)
def connection() -> Connection:
    from pynamodb.connection import Connection

    settings = get_settings()
    return Connection(region=settings.region, host=settings.endpoint_url)


def transaction() -> TransactWrite:
    """A DynamoDB transaction: state changes and their outbox records commit together."""
    from pynamodb.transactions import TransactWrite

    return TransactWrite(connection=connection())


def is_conditional_failure(exc: BaseException) -> bool:
    """True when a put/update/transaction failed on its condition (not on infrastructure)."""
    cause = getattr(exc, "cause_response_code", None)
    if cause == "ConditionalCheckFailedException":
        return True
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)


def batch_get(ddb: Any, table: str, keys: list[dict[str, Any]], consistent: bool = True) -> list[dict[str, Any]]:
    """The items that exist among ``keys`` (low-level), 100 keys a BatchGetItem call.
    Throttled keys come back as UnprocessedKeys: asked again with backoff, then an error."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET_KEYS):
        request: dict[str, Any] = {table: {"Keys": keys[start : start + BATCH_GET_KEYS], "ConsistentRead": consistent}}
        for attempt in range(8):
            response = ddb.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.02 * 2**attempt)
        else:
            raise RuntimeError(f"reads from {table} kept being throttled; retry")
    return found


def newest_first(ddb: Any, table: str, list_pk: str, cursor: str | None, limit: int) -> tuple[list[str], str | None]:
    """A page of a list partition whose sort keys start with a timestamp, newest first:
    the ``id`` attribute of each entry, and the cursor of the next page."""
    from shared.pagination import decode_cursor, encode_cursor

    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": list_pk}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    start = decode_cursor(cursor)
    if start:
        kwargs["ExclusiveStartKey"] = {"pk": {"S": list_pk}, "sk": {"S": str(start["after"])}}
    page = ddb.query(**kwargs)
    last = page.get("LastEvaluatedKey")
    return [i["id"]["S"] for i in page.get("Items", [])], encode_cursor({"after": last["sk"]["S"]}) if last else None
