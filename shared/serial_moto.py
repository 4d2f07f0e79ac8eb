"""In-process moto for tests that race threads: one AWS call at a time, as AWS applies each
request atomically (the local stack's emulator does the same: infra/local/moto_transactions.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def one_call_at_a_time() -> Iterator[None]:
    """In-process moto answers one AWS call at a time, as DynamoDB answers each atomically:
    moto's backends are not thread-safe within a call. Threads still interleave between
    calls (a read, then a conditional write), which is where the races under test live."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock, call_ = threading.Lock(), BotocoreStubber.__call__

    def serial(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        with lock:
            return call_(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = serial  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.__call__ = call_  # type: ignore[method-assign]
