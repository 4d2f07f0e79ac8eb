"""The emulator's own HTTP routes (fix 5 of ``infra.local.moto_server`` and the stream
readers' filters): ``GET /_local/items/<table>`` and ``PUT /_local/stream-readers/<table>``
(and ``moto_sesv2_bulk``'s ``/_local/ses/faults`` and ``/_local/sms``), served in front of
moto by ``with_local_routes``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account: the stack's "testing" credentials


ITEMS_PATH = "/_local/items/"
ITEMS_PER_CHUNK = 1000


def items_route(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
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


def stream_readers_route(environ: dict[str, Any], start_response: Any) -> list[bytes]:
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


def with_local_routes(app: Any) -> Any:
    from infra.local import moto_sesv2_bulk

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") == moto_sesv2_bulk.FAULTS_PATH:
            return moto_sesv2_bulk.faults_route(environ, start_response)
        if path.rstrip("/") == moto_sesv2_bulk.SMS_PATH and environ.get("REQUEST_METHOD") == "GET":
            return moto_sesv2_bulk.sms_route(environ, start_response)
        if path.startswith(ITEMS_PATH):
            return items_route(environ, start_response)
        if path.startswith(STREAM_READERS_PATH) and environ.get("REQUEST_METHOD") == "PUT":
            return stream_readers_route(environ, start_response)
        return app(environ, start_response)

    return wsgi
