"""Fixes 1 and 11 of ``infra.local.moto_server``.

1. moto's TransactWriteItems deep-copies every table it touches (items *and* stream
   records) before each transaction, to roll back on failure. Here only the items the
   transaction touches are saved, plus the stream's length, and exactly those are
   restored on failure: the same all-or-nothing result at a cost that does not grow with
   the table.
11. DynamoDB applies each request atomically: a condition is checked and the write made
   with nothing in between, and a transaction is isolated from every other request.
   moto checks and writes in Python, served here by a pool of threads, so two requests
   could both pass a condition (two writers of one version both winning, a lost update:
   seen as points missing after 1,000 concurrent accruals). Every DynamoDB operation and
   stream read runs under one lock, as moto's own single-threaded server would run them.
"""

from __future__ import annotations

import copy
from typing import Any


def _key(table: Any, op: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    key = op.get("Key") or op["Item"]
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any, int | None]]:
    saved = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None or not (op.get("Key") or op.get("Item")):
            continue
        try:
            hash_value, range_value = _key(table, op)
        except KeyError:
            continue  # moto itself reports the malformed key
        original = table.get_item(hash_value, range_value)
        stream = len(table.stream_shard.items) if table.stream_shard is not None else None
        saved.append((table, hash_value, range_value, copy.deepcopy(original), stream))
    return saved


def _restore(saved: list[tuple[Any, Any, Any, Any, int | None]]) -> None:
    for table, hash_value, range_value, original, stream in reversed(saved):
        if range_value is None:
            if original is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = original
        elif original is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = original
        if stream is not None and table.stream_shard is not None:
            del table.stream_shard.items[stream:]


class _CopyWithoutTables:
    """Stands in for ``copy`` inside moto's DynamoDB backend: tables are not copied."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


ATOMIC_OPERATIONS = (
    "batch_execute_statement",
    "batch_get_item",
    "batch_write_item",
    "delete_item",
    "execute_statement",
    "execute_transaction",
    "get_item",
    "put_item",
    "query",
    "scan",
    "transact_get_items",
    "transact_write_items",
    "update_item",
)


def atomic_targets() -> list[tuple[Any, str]]:
    from moto.dynamodb import models
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    return [(models.DynamoDBBackend, name) for name in ATOMIC_OPERATIONS] + [(DynamoDBStreamsHandler, "get_records")]


def patch_atomic_requests() -> None:
    """Fix 11: one DynamoDB request at a time (re-entrant: an operation may call another)."""
    import functools
    import threading

    lock = threading.RLock()
    for owner, name in atomic_targets():
        original = getattr(owner, name)

        @functools.wraps(original)
        def atomic(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(*args, **kwargs)

        setattr(owner, name, atomic)


def patch_transactions() -> None:
    """Fix 1: TransactWriteItems saves and restores only the items it touches."""
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _snapshot(self, transact_items)
        try:
            original(self, transact_items)
        except Exception:
            _restore(saved)
            raise

    models.copy = _CopyWithoutTables()  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
