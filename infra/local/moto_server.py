"""``python -m infra.local.moto_server``: moto's server with two fixes for a long-running
local stack. Only the emulator process loads this; nothing of the CRM imports it.

1. moto's TransactWriteItems deep-copies every table it touches (items *and* stream
   records) before each transaction, to roll back on failure. The copy grows with the
   data: measured 350 ms stalls of the whole emulator after a few hundred leads, on a
   design that commits every change with its outbox record in a transaction. Here only
   the items the transaction touches are saved, plus the stream's length, and exactly
   those are restored on failure: the same all-or-nothing result at a cost that does
   not grow with the table.
2. Stream records are answered as plain JSON. moto's generic response serializer walks
   every attribute of every image against the API model: measured as most of the
   emulator's CPU during a CSV import, whose writes each leave a stream record that the
   outbox relay reads (and, as Lambda's filter would, drops) — AWS does this for free.
   The local poller sends its mapping's filter patterns along (``LOCAL_FILTERS``), and
   only the records they keep are encoded and sent: 1 in ~13 during an import.
3. Query reads only the queried partition. moto's Query on a table (not an index) lists
   and sorts every item of the table, then keeps the partition's: every read of an
   index entry, a segment definition or a timeline grew with the whole table (1.5
   million items after a 100,000-row import). AWS reads the partition alone.
4. Routing a request to its service is memoised: moto lists its own package directory
   (a stat per service) and tries ~150 URL patterns for every request, under a lock
   that all requests share.
5. ``GET /_local/items/<table>[?prefix=<pk prefix>]`` returns a table's items in one
   pass, for the stack's state saver and outbox replay: moto's Scan sorts the whole
   table for every page and walks it to the start key, so a full Scan grows with the
   square of the table (hours for the 1.5 million items of a 100,000-row import).
   The answer is streamed in chunks, never held whole.
6. Only SES messages are kept in moto's instance registry (read by /_local/emails via
   /moto-api/data.json). moto keeps every model object it ever made there, every
   DynamoDB item version and stream record included: memory that only grows, and a
   data.json that took over 10 s after a 10,000-row import.
7. Condition and filter expressions are parsed once per distinct (expression, names,
   values), not once per item: a transaction of 100 conditional claim puts parsed the
   same text 100 times (16% of the emulator's CPU during an import).
8. Stream records' ``SizeBytes`` is not computed (moto JSON-encodes every record for it,
   10% of the emulator's CPU during an import; nothing here reads it): it stays 1.
9. Werkzeug's per-request access log is turned off (it costs CPU on every call).
10. DynamoDB requests skip moto's generic query-string, parameter and answer handling
   (``infra/local/moto_fastpath.py``).
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account: the stack's "testing" credentials


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


# A GetRecords parameter of the local stack's pollers only (AWS has none such; Lambda
# filters after reading): their mapping's filter patterns.
LOCAL_FILTERS = "LocalFilterPatterns"


def _plain_json_stream_records() -> None:
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    from infra.local.filters import passes

    def get_records(self: Any) -> str:
        # The records are already DynamoDB JSON; datetimes become epoch seconds, as in AWS.
        limit = self._get_param("Limit") or 1000
        answer = self.backend.get_records(self._get_param("ShardIterator"), limit)
        filters = self._get_param(LOCAL_FILTERS)
        if filters:  # the local poller's mapping filters: drop here what Lambda would drop
            answer["Records"] = [r for r in answer["Records"] if passes(tuple(filters), r)]
        return dynamo_json_dump(answer)

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign,assignment]


_query_partition = threading.local()


def _partition_queries() -> None:
    from moto.dynamodb.models.table import Table

    all_items, query = Table.all_items, Table.query

    def partition_items(self: Any) -> Any:
        key: Any = getattr(_query_partition, "key", None)
        table: Any = getattr(_query_partition, "table", None)
        if key is None or table is not self:
            return all_items(self)
        partition = self.items.get(key)
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # query()'s 8th parameter
        if index_name is not None or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _query_partition.table, _query_partition.key = self, hash_key
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _query_partition.table = _query_partition.key = None

    Table.all_items = partition_items  # type: ignore[method-assign]
    Table.query = partition_query  # type: ignore[method-assign]


def _memoised_routing() -> None:
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    modules = list(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    find = DomainDispatcherApplication.get_backend_for_host
    found: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in found:
            found[host] = find(self, host)
        return found[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


ITEMS_PATH = "/_local/items/"


ITEMS_PER_CHUNK = 1000


def _items(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """``{"Items": [...]}``, or with ``?bare=1`` the array alone (the state saver writes it
    into its file as it comes). Streamed: a table of a million items is never held whole
    as a list or a string, here or in the saver."""
    from urllib.parse import parse_qs

    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.utilities import dynamo_json_dump

    query = parse_qs(environ.get("QUERY_STRING", ""))
    region = query.get("region", ["us-east-1"])[0]
    prefix = query.get("prefix", [""])[0]
    bare = query.get("bare", [""])[0] == "1"
    table = dynamodb_backends[ACCOUNT_ID][region].tables.get(environ["PATH_INFO"][len(ITEMS_PATH) :])
    if table is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        yield b'{"message": "no such table"}'
        return
    # list(): a consistent copy of the partitions under the GIL while other threads write.
    partitions = [p for h, p in list(table.items.items()) if not prefix or str(h.value).startswith(prefix)]
    count = sum(len(p) for p in partitions) if table.range_key_attr else len(partitions)
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Item-Count", str(count))])
    yield b"[" if bare else b'{"Items": ['
    chunk: list[str] = []
    first = True
    for partition in partitions:
        stored: list[Any] = list(partition.values()) if table.range_key_attr else [partition]
        chunk.extend(dynamo_json_dump(item.to_json()["Attributes"]) for item in stored)
        if len(chunk) >= ITEMS_PER_CHUNK:
            yield (("" if first else ",") + ",".join(chunk)).encode()
            chunk, first = [], False
    if chunk:
        yield (("" if first else ",") + ",".join(chunk)).encode()
    yield b"]" if bare else b"]}"


STREAM_READERS_PATH = "/_local/stream-readers/"
# On a moto Table: the filter patterns of every reader of its stream, when each has some
# and they look at event names and keys only (what a write can be judged by before its
# stream record is built).
READERS_FILTERS = "local_readers_filters"
KEY_LEVEL = {"eventName", "dynamodb"}


def _stream_readers(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """PUT ``{"filters": [[pattern, ...], ...]}``: each reader's Lambda filter patterns
    (the stack's event source mappings on this table's stream). A record that no reader
    would be given is then never stored: during an import that is 12 records in 13, about
    4.5 KB of emulator memory and a record build each. A reader without filters, or with
    a pattern on the images, keeps every record, as AWS does for 24 hours."""
    from urllib.parse import parse_qs

    from moto.dynamodb.models import dynamodb_backends

    query = parse_qs(environ.get("QUERY_STRING", ""))
    region = query.get("region", ["us-east-1"])[0]
    table = dynamodb_backends[ACCOUNT_ID][region].tables.get(environ["PATH_INFO"][len(STREAM_READERS_PATH) :])
    if table is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"message": "no such table"}']
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    readers: list[list[dict[str, Any]]] = json.loads(body)["filters"]
    judged_by_keys = all(
        patterns and all(set(p) <= KEY_LEVEL and set(p.get("dynamodb", {})) <= {"Keys"} for p in patterns)
        for patterns in readers
    )
    kept = tuple(p for patterns in readers for p in patterns) if readers and judged_by_keys else None
    setattr(table, READERS_FILTERS, kept)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"stored": "matching" if kept else "all"}).encode()]


def _records_readers_take() -> None:
    from moto.dynamodb.models.table import StreamShard

    from infra.local.filters import passes

    add = StreamShard.add

    def add_if_read(self: Any, old: Any, new: Any) -> None:
        kept = getattr(self.table, READERS_FILTERS, None)
        if kept:
            item = old if old is not None else new
            keys = {self.table.hash_key_attr: item.hash_key.to_json()}
            if self.table.range_key_attr is not None:
                keys[self.table.range_key_attr] = item.range_key.to_json()
            name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
            if not passes(kept, {"eventName": name, "dynamodb": {"Keys": keys}}):
                return
        add(self, old, new)

    StreamShard.add = add_if_read  # type: ignore[method-assign]


def with_local_routes(app: Any) -> Any:
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(ITEMS_PATH):
            return _items(environ, start_response)
        if path.startswith(STREAM_READERS_PATH) and environ.get("REQUEST_METHOD") == "PUT":
            return _stream_readers(environ, start_response)
        return app(environ, start_response)

    return wsgi


PARSED_EXPRESSIONS = 4096


def _parsed_once() -> None:
    from functools import lru_cache

    from moto.dynamodb import comparisons, models
    from moto.dynamodb.models import table

    parse = comparisons.get_filter_expression

    @lru_cache(maxsize=PARSED_EXPRESSIONS)
    def parsed(expr: str | None, names: str, values: str) -> Any:
        return parse(expr, json.loads(names), json.loads(values))

    def get_filter_expression(expr: str | None, names: Any, values: Any) -> Any:
        # The parsed tree only reads items: one tree serves every call with the same text.
        if not expr:  # no condition (a plain put): nothing to key the cache by
            return parsed(None, "{}", "{}")
        return parsed(expr, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True))

    for module in (comparisons, table, models):  # each imported the name for itself
        module.get_filter_expression = get_filter_expression  # type: ignore[attr-defined]

    def no_size(dynamo_object: Any) -> str:  # only StreamRecord's SizeBytes uses it in table
        return "-"

    table.dynamo_json_dump = no_size  # type: ignore[attr-defined]


TRACKED_MODULE = "moto.ses."


def _track_ses_only() -> None:
    from moto.core.common_models import BaseModel

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - replaces BaseModel.__new__
        instance = object.__new__(cls)
        if cls.__module__.startswith(TRACKED_MODULE):
            cls.instances_tracked.append(instance)
        return instance

    BaseModel.__new__ = __new__  # type: ignore[method-assign]


def patch_targets() -> list[tuple[Any, str]]:
    """(owner, attribute) of everything ``patch`` replaces: tests save and restore them."""
    from moto import backends
    from moto.core.common_models import BaseModel
    from moto.dynamodb import comparisons, models
    from moto.dynamodb.models import table
    from moto.dynamodb.models.table import StreamShard, Table
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    from infra.local import moto_fastpath

    return [
        *moto_fastpath.patch_targets(),
        (models, "copy"),
        (models.DynamoDBBackend, "transact_write_items"),
        (DynamoDBStreamsHandler, "get_records"),
        (Table, "all_items"),
        (Table, "query"),
        (backends, "list_of_moto_modules"),
        (DomainDispatcherApplication, "get_backend_for_host"),
        (BaseModel, "__new__"),
        (comparisons, "get_filter_expression"),
        (table, "get_filter_expression"),
        (models, "get_filter_expression"),
        (table, "dynamo_json_dump"),
        (StreamShard, "add"),
    ]


def patch() -> None:
    from moto.dynamodb import models

    from infra.local import moto_fastpath

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _snapshot(self, transact_items)
        try:
            original(self, transact_items)
        except Exception:
            _restore(saved)
            raise

    _plain_json_stream_records()
    _records_readers_take()
    _partition_queries()
    _memoised_routing()
    _track_ses_only()
    _parsed_once()
    moto_fastpath.patch()
    models.copy = _CopyWithoutTables()  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> None:
    """Serve moto with waitress: a fixed thread pool and keep-alive connections, where
    moto's own server (werkzeug's development server) starts a thread and closes the
    connection for every request, which under the stack's dozen concurrent callers cost
    more than moto's own work."""
    import argparse
    import os

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from waitress import serve

    parser = argparse.ArgumentParser(prog="python -m infra.local.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))
    patch()
    # Long polls hold a thread for up to 20 s each: leave room for every poller and client.
    serve(
        with_local_routes(DomainDispatcherApplication(create_backend_app)),
        host=args.host,
        port=args.port,
        threads=48,
        ident="moto",
    )


if __name__ == "__main__":
    main()
