"""A document read from the table and kept for a few seconds (rules, a scoring model, a
loyalty program): read on every event, changed rarely. A change reaches every warm function
within ``ttl`` (at once in the function that made it, and locally, where all share a process).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Cached(Generic[T]):
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._read: tuple[float, T] | None = None
        self._writes = 0  # a read that began before a write must not be kept after it

    def get(self, read: Callable[[], T], fresh: bool = False) -> T:
        if not fresh and self._read and time.monotonic() - self._read[0] < self.ttl:
            return self._read[1]
        writes, started = self._writes, time.monotonic()
        value = read()
        if writes == self._writes:
            self._read = (started, value)
        return value

    def written(self) -> None:
        """This process changed the document: the next read goes to the table."""
        self._writes += 1
        self._read = None
