"""Persistence of the local stack: the emulator keeps everything in memory, so the
stack saves every provisioned table to ``<state-dir>/<stage>/tables/<table>.json``
(DynamoDB JSON) on shutdown and, while it runs, the tables written since their last
save once writes pause (at the latest every few minutes), and loads it back on start.

Local differences (named in the banner): queues, sent mail and schedules created at run
time are not saved; a table is restored only when it is empty in the emulator (a
LocalStack or moto that kept running already holds newer data).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from infra.local.aws import Clients
from infra.local.log import say
from shared.outbox import OUTBOX_PREFIX

SAVE_EVERY_SECONDS = 30.0
# A save scans whole tables, which stalls the single-threaded emulator: while writes keep
# coming (a CSV import) it waits for a pause of QUIET_SECONDS, but never beyond MAX_DEFER.
QUIET_SECONDS = 2.0
MAX_DEFER_SECONDS = 300.0
BATCH_WRITE_LIMIT = 25
COPY_BYTES = 1 << 20  # a saved table is copied from the emulator 1 MiB at a time


def tables_dir(state_dir: Path, stage: str) -> Path:
    return state_dir / stage / "tables"


def scan_items(clients: Clients, table: str, prefix: str = "") -> list[dict[str, Any]]:
    """Every item of ``table`` (whose pk starts with ``prefix``). From our moto server in one
    pass (infra/local/moto_server.py: its Scan costs grow with the table's square), else
    by Scan (LocalStack, or the in-process moto of the tests)."""
    if clients.endpoint_url:
        from urllib.error import HTTPError, URLError
        from urllib.parse import quote, urlencode
        from urllib.request import urlopen

        query = urlencode({"region": clients.region, "prefix": prefix})
        url = f"{clients.endpoint_url}/_local/items/{quote(table)}?{query}"
        try:
            with urlopen(url, timeout=600) as response:  # noqa: S310 - the emulator's own URL
                found: list[dict[str, Any]] = json.loads(response.read())["Items"]
                return found
        except (HTTPError, URLError, KeyError, ValueError):
            pass  # not our moto server: scan
    ddb = clients("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    if prefix:
        kwargs["FilterExpression"] = "begins_with(pk, :prefix)"
        kwargs["ExpressionAttributeValues"] = {":prefix": {"S": prefix}}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _binary_safe(value: Any) -> Any:
    """DynamoDB JSON with binaries as base64 (json cannot hold bytes)."""
    import base64

    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _binary_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_binary_safe(v) for v in value]
    return value


def _binary_restore(value: Any) -> Any:
    import base64

    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "B" and isinstance(inner, str):
                out[key] = base64.b64decode(inner)
            elif key == "BS" and isinstance(inner, list):
                out[key] = [base64.b64decode(v) for v in inner]
            else:
                out[key] = _binary_restore(inner)
        return out
    if isinstance(value, list):
        return [_binary_restore(v) for v in value]
    return value


def save(clients: Clients, tables: Iterable[str], state_dir: Path, stage: str) -> int:
    """Write every table's items; each file is replaced atomically. Returns the item count."""
    folder = tables_dir(state_dir, stage)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for table in tables:
        path = folder / f"{table}.json"
        partial = path.with_suffix(".json.tmp")
        with partial.open("wb") as file:
            file.write(f'{{"table": {json.dumps(table)}, "items": '.encode())
            count = _stream_items(clients, table, file)
            if count is None:  # not our moto server: scan, then write
                items = scan_items(clients, table)
                file.write(json.dumps(_binary_safe(items)).encode())
                count = len(items)
            file.write(b"}")
        os.replace(partial, path)
        total += count
    return total


def _stream_items(clients: Clients, table: str, file: BinaryIO) -> int | None:
    """Copy the table's items, as the JSON array our moto server streams (binaries already
    base64), into ``file`` without parsing them: a million-item table was parsed and
    encoded again whole, 1.4 GB in this process. The item count; None when the endpoint
    is not our moto server (nothing written then)."""
    if not clients.endpoint_url:
        return None
    from urllib.error import HTTPError, URLError
    from urllib.parse import quote, urlencode
    from urllib.request import urlopen

    query = urlencode({"region": clients.region, "bare": "1"})
    url = f"{clients.endpoint_url}/_local/items/{quote(table)}?{query}"
    try:
        response = urlopen(url, timeout=600)  # noqa: S310 - the emulator's own URL
    except (HTTPError, URLError):
        return None  # not our moto server
    with response:
        count = response.headers.get("X-Item-Count")
        if count is None:
            return None  # some other server answered that path
        # A failure from here on fails the save (the partial file is not kept).
        shutil.copyfileobj(response, file, COPY_BYTES)
        return int(count)


def restore(clients: Clients, tables: Iterable[str], state_dir: Path, stage: str) -> dict[str, int]:
    """Load saved items into tables that are empty. Returns items restored per table."""
    folder = tables_dir(state_dir, stage)
    restored: dict[str, int] = {}
    if not folder.is_dir():
        return restored
    ddb = clients("dynamodb")
    for table in tables:
        path = folder / f"{table}.json"
        if not path.is_file():
            continue
        if ddb.scan(TableName=table, Limit=1, Select="COUNT")["Count"]:
            say("stack", f"{table} already holds data in the emulator: not restored from {path}")
            continue
        items = _binary_restore(json.loads(path.read_text())["items"])
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_LIMIT]]
            pending: dict[str, Any] = {table: requests}
            while pending:
                pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        restored[table] = len(items)
    return restored


def outbox_records(clients: Clients, table: str, stream_arn: str, region: str) -> list[dict[str, Any]]:
    """Synthetic INSERT stream records for the outbox items still in a table: events that
    were written but not yet relayed when the stack stopped (the relay deletes what it sent)."""
    return [
        {
            "eventID": f"restore-{sequence}",
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "eventSourceARN": stream_arn,
            "dynamodb": {
                "Keys": {"pk": item["pk"], "sk": item["sk"]},
                "NewImage": item,
                "SequenceNumber": f"restore-{sequence:012d}",
                "SizeBytes": len(json.dumps(_binary_safe(item))),
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
        for sequence, item in enumerate(scan_items(clients, table, OUTBOX_PREFIX), start=1)
    ]


class Saver(threading.Thread):
    """Saves the tables written since their last save, checked every ``SAVE_EVERY_SECONDS``."""

    def __init__(self, clients: Clients, tables: list[str], state_dir: Path, stage: str) -> None:
        super().__init__(name="state-saver", daemon=True)
        self.clients, self.tables, self.state_dir, self.stage = clients, tables, state_dir, stage
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._saved: dict[str, int] = {}  # table -> write generation at its last save

    def run(self) -> None:
        waited = 0.0
        while not self.stopping.wait(SAVE_EVERY_SECONDS):
            waited += SAVE_EVERY_SECONDS
            before = self._generations()
            if before == {t: self._saved.get(t, 0) for t in self.tables}:
                waited = 0.0
                continue  # nothing written (through the stack's functions) since the last save
            if waited < MAX_DEFER_SECONDS and (self.stopping.wait(QUIET_SECONDS) or self._generations() != before):
                continue  # still busy: try again later
            try:
                self.save(changed_only=True)
                waited = 0.0
            except Exception as exc:
                say("stack", f"saving state failed: {type(exc).__name__}: {exc}")

    def _generations(self) -> dict[str, int]:
        from infra.local.writes import writes

        return {t: writes.generation(t) for t in self.tables}

    def save(self, changed_only: bool = False) -> int:
        with self._lock:  # the periodic save and the final one never interleave
            generations = self._generations()
            tables = [t for t in self.tables if not changed_only or generations[t] != self._saved.get(t, 0)]
            count = save(self.clients, tables, self.state_dir, self.stage)
            self._saved.update({t: generations[t] for t in tables})
            return count

    def stop(self) -> None:
        self.stopping.set()
