"""A wake-up signal for the stream pollers: every DynamoDB write made in this process
(the services run in-process) bumps a counter the pollers wait on.

Why: polling five streams every 50 ms keeps the single-threaded emulator busy and
slows every call; waiting for a write keeps the lead flow fast and the emulator idle.
The pollers still poll on a slow timer, for writes made from outside the process.
This changes when records are read, never which records or in what order.
"""

from __future__ import annotations

import threading
from typing import Any

WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement"}
)


class WriteSignal:
    """A write counter per table: a poller wakes only for writes to its own table."""

    def __init__(self) -> None:
        self._generations: dict[str, int] = {}
        self._changed = threading.Condition()

    def generation(self, table: str) -> int:
        with self._changed:
            return self._generations.get(table, 0)

    def notify(self, tables: set[str] | None = None) -> None:
        """Writes to ``tables`` happened (None: wake every waiter, e.g. on shutdown)."""
        with self._changed:
            for table in tables if tables is not None else list(self._generations):
                self._generations[table] = self._generations.get(table, 0) + 1
            self._changed.notify_all()

    def wait_past(self, table: str, generation: int, timeout: float) -> int:
        """Block until ``table`` was written after ``generation``, or ``timeout``. Returns the current one."""
        with self._changed:
            self._changed.wait_for(lambda: self._generations.get(table, 0) != generation, timeout)
            return self._generations.get(table, 0)


def tables_written(operation: str, params: dict[str, Any]) -> set[str]:
    if operation == "TransactWriteItems":
        return {
            action["TableName"]
            for item in params.get("TransactItems", [])
            for action in item.values()
            if isinstance(action, dict) and "TableName" in action
        }
    if operation == "BatchWriteItem":
        return set(params.get("RequestItems", {}))
    if "TableName" in params:
        return {params["TableName"]}
    return set()  # ExecuteStatement: the table is inside the statement


writes = WriteSignal()
_installed = False


def install() -> None:
    """Patch botocore once so that every DynamoDB write (boto3 or pynamodb) bumps ``writes``."""
    global _installed  # noqa: PLW0603 - one patch per process
    if _installed:
        return
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        try:
            return original(self, operation_name, api_params)
        finally:
            if operation_name in WRITE_OPERATIONS and self.meta.service_model.service_name == "dynamodb":
                tables = tables_written(operation_name, api_params)
                writes.notify(tables or None)

    BaseClient._make_api_call = make_api_call
    _installed = True
