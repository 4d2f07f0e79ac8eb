"""In-memory stand-ins for the delivery layer's table item, clock and provider clients."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class FakeClock:
    """A clock that moves only when told, or when something sleeps on it."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeStore:
    """The bucket's item: a compare-and-set, atomic as DynamoDB's conditional UpdateItem."""

    def __init__(self, before_write: Callable[[], None] | None = None) -> None:
        self.items: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.reads = 0
        self.writes = 0
        self.before_write = before_write  # e.g. another taker slipping in between read and write

    def read(self, name: str) -> tuple[float, float] | None:
        with self.lock:
            self.reads += 1
            return self.items.get(name)

    def write(self, name: str, state: tuple[float, float], *, expected: tuple[float, float] | None) -> bool:
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook()
        with self.lock:
            self.writes += 1
            if self.items.get(name) != expected:
                return False
            self.items[name] = state
            return True


def client_error(code: str, status: int, operation: str = "SendBulkEmail") -> Exception:
    from botocore.exceptions import ClientError

    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


class FakeSes:
    """SESv2's send_bulk_email: answers each entry SUCCESS unless scripted otherwise
    (``statuses`` by address, or ``raises`` for the next calls)."""

    def __init__(self, statuses: dict[str, str] | None = None, raises: list[Exception] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.statuses = statuses or {}
        self.raises = list(raises or [])

    def send_bulk_email(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.raises:
            raise self.raises.pop(0)
        results = []
        for n, entry in enumerate(kwargs["BulkEmailEntries"]):
            address = entry["Destination"]["ToAddresses"][0]
            status = self.statuses.get(address, "SUCCESS")
            results.append(
                {"Status": status, "MessageId": f"m-{len(self.calls)}-{n}"}
                if status == "SUCCESS"
                else {"Status": status, "Error": "x"}
            )
        return {"BulkEmailEntryResults": results}


class FakeSns:
    def __init__(self, raises: dict[str, Exception] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.raises = raises or {}

    def publish(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if kwargs["PhoneNumber"] in self.raises:
            raise self.raises[kwargs["PhoneNumber"]]
        return {"MessageId": f"sms-{len(self.calls)}"}
