"""pynamodb plumbing shared by the services' repositories: table meta and transactions.

Every service owns one table (its template's ``Table``, named to its functions by
``CRM_TABLE``), keyed ``pk``/``sk``, with a stream (the outbox relay reads it) and TTL on
``expires_at``.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.settings import get_settings

if TYPE_CHECKING:
    from types import TracebackType

    from pynamodb.connection import Connection
    from pynamodb.expressions.condition import Condition
    from pynamodb.expressions.update import Action
    from pynamodb.models import Model
    from pynamodb.transactions import TransactWrite

TTL_ATTRIBUTE = "expires_at"
BATCH_GET_KEYS = 100  # BatchGetItem's limit per call


class _TableMeta(type):
    """A Meta whose ``table_name`` is read from the settings each time it is asked for, not
    bound at import: a model module may be imported before the function's environment is
    in place (a test's collection, the local stack's one process for every function)."""

    service: str

    @property
    def table_name(cls) -> str:
        return get_settings().table_name(cls.service)


def table_meta(service: str) -> Any:
    """A pynamodb ``Meta`` for the service's table (``CRM_TABLE``), bound to the configured endpoint."""
    settings = get_settings()
    attrs: dict[str, Any] = {"service": service, "region": settings.region}
    if settings.endpoint_url:
        attrs["host"] = settings.endpoint_url
    return _TableMeta("Meta", (), attrs)


@lru_cache(maxsize=1)
def connection() -> Connection:
    from pynamodb.connection import Connection

    settings = get_settings()
    return Connection(region=settings.region, host=settings.endpoint_url)


def transaction() -> TransactWrite:
    """A DynamoDB transaction: state changes and their outbox records commit together."""
    from pynamodb.transactions import TransactWrite

    return TransactWrite(connection=connection())


class MixedTransaction:
    """One TransactWriteItems of pynamodb models and of entries another repository wrote
    out in DynamoDB's own form (``{"Put": {...}}``, ``{"Update": ...}``, ``{"Delete": ...}``,
    ``{"ConditionCheck": ...}``): a write across features, each item built by the repository
    that owns its schema. ``save``/``update``/``delete`` take the models as pynamodb's
    ``TransactWrite`` does (version conditions included); ``add`` takes an entry. Committed
    on leaving the ``with`` block, through pynamodb's public API only
    (``Model.get_*_kwargs_from_instance``, ``Connection.transact_write_items``), so a
    cancellation raises pynamodb's ``TransactWriteError`` (read by ``cancellation_codes``).

    Each item may carry a ``tag``: ``failed(exc)`` names the tagged items whose condition
    cancelled the transaction (DynamoDB's reasons follow the order items are sent in, which
    groups them by kind), so a caller can say which rule was broken (out of stock, used up)."""

    _KINDS = ("ConditionCheck", "Delete", "Put", "Update")

    def __init__(self) -> None:
        self._items: dict[str, list[dict[str, Any]]] = {kind: [] for kind in self._KINDS}
        self._tags: dict[str, list[str | None]] = {kind: [] for kind in self._KINDS}

    def _append(self, kind: str, operation: dict[str, Any], tag: str | None) -> None:
        self._items[kind].append(operation)
        self._tags[kind].append(tag)

    def save(self, model: Model, condition: Condition | None = None, tag: str | None = None) -> None:
        self._append("Put", model.get_save_kwargs_from_instance(condition=condition), tag)

    def update(
        self, model: Model, actions: list[Action], condition: Condition | None = None, tag: str | None = None
    ) -> None:
        self._append("Update", model.get_update_kwargs_from_instance(actions=actions, condition=condition), tag)

    def delete(self, model: Model, condition: Condition | None = None, tag: str | None = None) -> None:
        self._append("Delete", model.get_delete_kwargs_from_instance(condition=condition), tag)

    def add(self, entry: dict[str, Any], tag: str | None = None) -> None:
        (kind, operation), *_ = entry.items()
        self._append(kind, operation, tag)

    def __len__(self) -> int:
        return sum(len(items) for items in self._items.values())

    def failed(self, exc: BaseException) -> set[str]:
        """The tags of the items whose condition failed in ``exc`` (a cancelled commit)."""
        order = [tag for kind in self._KINDS for tag in self._tags[kind]]
        codes = cancellation_codes(exc)
        return {tag for tag, code in zip(order, codes, strict=False) if tag and code == CONDITION_FAILED}

    def commit(self) -> None:
        connection().transact_write_items(
            condition_check_items=self._items["ConditionCheck"],
            delete_items=self._items["Delete"],
            put_items=self._items["Put"],
            update_items=self._items["Update"],
        )

    def __enter__(self) -> MixedTransaction:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()


CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
_CANCELLED = "TransactionCanceledException"


def cancellation_codes(exc: BaseException) -> list[str]:
    """Why DynamoDB cancelled a transaction: one code per transaction item, in order
    (``"None"`` for an item that was not a reason), read from pynamodb's
    ``TransactWriteError.cancellation_reasons`` or botocore's
    ``ClientError.response["CancellationReasons"]``. Empty for anything else. Never parsed
    from the message text: the reasons are structured in the response of both DynamoDB
    and the emulators used here (moto, LocalStack)."""
    if getattr(exc, "cause_response_code", None) == _CANCELLED or hasattr(exc, "cancellation_reasons"):
        reasons = getattr(exc, "cancellation_reasons", None) or []
        return [r.code if r is not None and r.code else "None" for r in reasons]
    response = getattr(exc, "response", None)
    if not isinstance(response, dict) or response.get("Error", {}).get("Code") != _CANCELLED:
        return []
    return [str(r.get("Code") or "None") for r in response.get("CancellationReasons", [])]


def is_conditional_failure(exc: BaseException) -> bool:
    """True when a put/update/transaction failed on its condition (not on infrastructure):
    a single write's ConditionalCheckFailedException, or a transaction that a condition cancelled."""
    if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
        return True
    return CONDITION_FAILED in cancellation_codes(exc)


def transaction_conflict(exc: BaseException) -> bool:
    """A transaction cancelled by a condition or by a concurrent transaction on one of its
    items: worth a re-read and another attempt (or a 409), unlike a throttle or a bug."""
    return bool({CONDITION_FAILED, TRANSACTION_CONFLICT} & set(cancellation_codes(exc)))


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
    the ``id`` attribute of each entry, and the signed cursor of the next page."""
    from shared.pagination import decode_cursor, encode_cursor

    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": list_pk}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    of = f"{table}/{list_pk}"
    start = decode_cursor(cursor, of=of)
    if start:
        kwargs["ExclusiveStartKey"] = {"pk": {"S": list_pk}, "sk": {"S": str(start["after"])}}
    page = ddb.query(**kwargs)
    last = page.get("LastEvaluatedKey")
    next_cursor = encode_cursor({"after": last["sk"]["S"]}, of=of) if last else None
    return [i["id"]["S"] for i in page.get("Items", [])], next_cursor


def partition_page(
    ddb: Any, table: str, pk: str, cursor: str | None, limit: int, *, prefix: str = "", newest_first: bool = False
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partition's items (low-level client), those whose sort key starts with
    ``prefix``: the raw items and the signed cursor of the next page. A cursor made for
    another list (table, partition or prefix) is a 400 (shared.pagination.page_start)."""
    from shared.pagination import encode_cursor, page_start

    values: dict[str, Any] = {":pk": {"S": pk}}
    condition = "pk = :pk"
    if prefix:
        condition += " AND begins_with(sk, :prefix)"
        values[":prefix"] = {"S": prefix}
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not newest_first,
        "Limit": limit,
    }
    # The list: the table, the partition and the prefix read (a cursor of one is no other's).
    of = f"{table}/{pk}/{prefix}"
    start = page_start(cursor, pk, of=of)
    if start:
        kwargs["ExclusiveStartKey"] = start
    response = ddb.query(**kwargs)
    return response.get("Items", []), encode_cursor(response.get("LastEvaluatedKey"), of=of)


def save_versioned(item: Model, read_version: int, what: str) -> None:
    """Save a one-item document (a policy, the list of stages) if it is still at the version
    read, ``0`` meaning never stored (so it must not exist yet); StaleVersion otherwise. The
    item's model declares ``version``."""
    from pynamodb.exceptions import PutError

    from shared.errors import StaleVersion

    model: Any = type(item)
    condition = model.pk.does_not_exist() if read_version == 0 else model.version == read_version
    try:
        item.save(condition=condition)
    except PutError as exc:
        if is_conditional_failure(exc):
            raise StaleVersion(f"{what} changed meanwhile: read it again") from exc
        raise
