"""``python -m infra.local.moto_server``: moto's server with fixes for a long-running
local stack. Only the emulator process loads this; nothing of the CRM imports it. The
fixes live in ``moto_transactions`` (1, 11), ``moto_streams`` (2 and the stream readers'
filters), ``moto_queries`` (3, 7, 8), ``moto_routes`` (5, the ``/_local/`` routes),
``moto_fastpath`` (10), ``moto_sesv2_bulk`` (12, 13, 14), ``moto_sqs`` (15) and here (4, 6, 9).

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
9. Werkzeug's per-request access log is turned off (it costs CPU on every call); waitress
   takes up to 1,000 connections and closes idle ones after 30 s (see ``CONNECTION_LIMIT``).
10. DynamoDB requests skip moto's generic query-string, parameter and answer handling
   (``infra/local/moto_fastpath.py``).
11. Each DynamoDB request is atomic, as in AWS (``moto_transactions``): waitress serves
   moto from many threads, and moto's condition checks and writes are not atomic across
   threads, so two conditional writers could both win.
12. SESv2 ``SendBulkEmail``, which moto lacks (``moto_sesv2_bulk``): the campaign senders'
   50-recipient calls, recorded as sent mail like v1's; 13. an SES fault switch
   (``PUT /_local/ses/faults``) for throttling; 14. ``GET /_local/sms``, the SMS sent.
15. SQS sends and receives do not count the queue's messages (``moto_sqs``): moto walked
   the whole queue three times per message sent and per message received.
16. EventBridge's JSONPaths are parsed once: moto passes every event it delivers to a
   target through an input template (its default one when the target has none) and built
   a new JSONPath parser, grammar tables and all, for each of its paths: 20% of the
   emulator's CPU while 1,000 events were routed.
"""

from __future__ import annotations

import logging
from typing import Any

from infra.local.moto_queries import parsed_once, partition_queries
from infra.local.moto_routes import with_local_routes
from infra.local.moto_sqs import lean_sends_and_receives, sqs_targets
from infra.local.moto_streams import plain_json_stream_records, records_readers_take
from infra.local.moto_transactions import atomic_targets, patch_atomic_requests, patch_transactions


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


def _jsonpaths_parsed_once() -> None:
    import functools

    from jsonpath_ng import ext

    # moto.events.utils imports it per call
    ext.parse = functools.lru_cache(maxsize=1024)(ext.parse)  # type: ignore[attr-defined]


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
    from jsonpath_ng import ext
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
        *atomic_targets(),
        *sqs_targets(),
        (models, "copy"),
        (models.DynamoDBBackend, "transact_write_items"),
        (DynamoDBStreamsHandler, "get_records"),
        (Table, "all_items"),
        (Table, "query"),
        (backends, "list_of_moto_modules"),
        (ext, "parse"),
        (DomainDispatcherApplication, "get_backend_for_host"),
        (BaseModel, "__new__"),
        (comparisons, "get_filter_expression"),
        (table, "get_filter_expression"),
        (models, "get_filter_expression"),
        (table, "dynamo_json_dump"),
        (StreamShard, "add"),
    ]


def patch() -> None:
    from infra.local import moto_fastpath, moto_sesv2_bulk

    plain_json_stream_records()
    records_readers_take()
    partition_queries()
    _memoised_routing()
    _jsonpaths_parsed_once()
    _track_ses_only()
    parsed_once()
    lean_sends_and_receives()
    moto_sesv2_bulk.patch()  # an operation added, nothing replaced: no entry in patch_targets
    moto_fastpath.patch()
    patch_transactions()
    patch_atomic_requests()  # last: it wraps what the other fixes put in place
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
    _more_open_files(CONNECTION_LIMIT + 256)
    # Long polls hold a thread for up to 20 s each: leave room for every poller and client.
    serve(
        with_local_routes(DomainDispatcherApplication(create_backend_app)),
        host=args.host,
        port=args.port,
        threads=48,
        ident="moto",
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=IDLE_CONNECTION_SECONDS,
    )


# PynamoDB keeps a connection per thread, and the gateway serves each request on a thread
# of its own: every request may leave one idle keep-alive connection behind. At waitress's
# defaults (100 connections, idle ones closed after 120 s) a burst of requests reached the
# limit, and waitress then stopped accepting connections: calls waited 40-80 s in the
# backlog until idle ones timed out (seen as 30 s read timeouts in the fuzzing).
CONNECTION_LIMIT = 1000
IDLE_CONNECTION_SECONDS = 30  # the pollers call every second: only one-off connections idle


def _more_open_files(wanted: int) -> None:
    """A connection is a file descriptor: raise the soft limit (never past the hard one)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


if __name__ == "__main__":
    main()
