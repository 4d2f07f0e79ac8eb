"""The send-rate token bucket, one per channel, shared by every sender of every Lambda.

Its state is one item of the campaigns table (``keys.limiter_key(name)``: ``tokens`` and
``refilled_at``, epoch seconds). A take reads it (GetItem, strongly consistent), refills it
for the time passed (``rate`` tokens a second, never above ``burst``), takes what it can and
writes the new state with a condition on the state it read (UpdateItem): optimistic, so two
takers never both spend the same tokens; the loser reads again. Each take costs one GetItem
and one UpdateItem (two more per conflict), so take a batch per call (up to 50, one SES
call's worth) and, where the sender can wait, ``acquire(..., at_least=50)``: measured with
4 takers sharing 100/s through the local emulator (infra/bench_delivery.py), waking for each
token costs ~95-135 table calls per 50 tokens, waiting for 50 at once ~7.5 (the rate held
within 1% either way).

A new bucket starts full (``burst`` tokens). ``burst`` defaults to one second of ``rate``:
senders may start a second's worth at once, never more.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from campaigns.table import keys

MAX_CONFLICTS = 50  # optimistic retries of one take before giving up on this round


class BucketStore(Protocol):
    """Where the bucket's state lives: read it, and write it only if it is still ``expected``."""

    def read(self, name: str) -> tuple[float, float] | None: ...

    def write(self, name: str, state: tuple[float, float], *, expected: tuple[float, float] | None) -> bool: ...


class TableBucketStore:
    """The bucket's item in the campaigns table (the only module that maps it)."""

    def __init__(self, client: Any = None, table: str | None = None) -> None:
        self._client = client
        self._table = table

    @property
    def client(self) -> Any:
        if self._client is None:
            from shared.aws import client

            self._client = client("dynamodb")
        return self._client

    @property
    def table(self) -> str:
        if self._table is None:
            from shared.settings import get_settings

            self._table = get_settings().table_name("campaigns")
        return self._table

    @staticmethod
    def _key(name: str) -> dict[str, Any]:
        pk, sk = keys.limiter_key(name)
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def read(self, name: str) -> tuple[float, float] | None:
        item = self.client.get_item(TableName=self.table, Key=self._key(name), ConsistentRead=True).get("Item")
        if not item:
            return None
        return float(item["tokens"]["N"]), float(item["refilled_at"]["N"])

    def write(self, name: str, state: tuple[float, float], *, expected: tuple[float, float] | None) -> bool:
        tokens, refilled_at = state
        values: dict[str, Any] = {":t": {"N": _number(tokens)}, ":r": {"N": _number(refilled_at)}}
        if expected is None:
            condition = "attribute_not_exists(pk)"
        else:
            condition = "tokens = :et AND refilled_at = :er"
            values.update({":et": {"N": _number(expected[0])}, ":er": {"N": _number(expected[1])}})
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(name),
                UpdateExpression="SET tokens = :t, refilled_at = :r",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _number(value: float) -> str:
    # A fixed representation: the condition compares the number written with the one read.
    return f"{value:.6f}"


def _rounded(value: float) -> float:
    return float(_number(value))


class TokenBucket:
    def __init__(
        self,
        name: str,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        *,
        store: BucketStore | None = None,
        jitter: float = 0.1,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.name = name
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self.clock = clock
        self.sleep = sleep
        self.store: BucketStore = store if store is not None else TableBucketStore()
        # Up to this fraction of a wait is added at random: takers that would all wake at
        # the same instant for the same tokens (and all but one lose the conditional write)
        # wake apart, the later ones reading once and sleeping again.
        self.jitter = jitter
        self.conflicts = 0  # optimistic writes lost to another taker (for the bench)
        self._short = 1.0  # tokens missing, at the last take that got none

    def _refilled(self, state: tuple[float, float] | None, now: float) -> float:
        if state is None:
            return self.burst
        tokens, refilled_at = state
        return min(self.burst, tokens + max(0.0, now - refilled_at) * self.rate)

    def take(self, n: int) -> int:
        """Take up to ``n`` whole tokens now; how many were got (0 when the bucket is empty)."""
        return self._take(n, 1)

    def _take(self, n: int, minimum: int) -> int:
        """Up to ``n`` tokens if at least ``minimum`` are there, else none."""
        if n <= 0:
            return 0
        for _ in range(MAX_CONFLICTS):
            state = self.store.read(self.name)
            now = self.clock()
            available = self._refilled(state, now)
            got = min(n, math.floor(available))
            if got < minimum:
                self._short = minimum - available
                return 0
            # Spent from what was there; the time stays the refill's, so what accrues while
            # others wait is never lost. A clock behind the stored one keeps the stored time.
            refilled_at = now if state is None else max(now, state[1])
            new = (_rounded(available - got), _rounded(refilled_at))
            if self.store.write(self.name, new, expected=state):
                return got
            self.conflicts += 1
        return 0

    def acquire(self, n: int, *, deadline: float, at_least: int = 1) -> int:
        """Wait (sleeping just enough) until at least 1 token is got; returns how many
        (≤ ``n``), or 0 once the clock passes ``deadline`` (the same clock as the bucket's).

        ``at_least``: wait until that many (at most ``n`` and the burst) can be taken at
        once. Waking for every single token costs a read and a write per token; a sender
        that waits for a whole SES call's worth (50) pays them once per 50 emails."""
        if n <= 0:
            return 0
        minimum = max(1, min(at_least, n, math.floor(self.burst)))
        while True:
            got = self._take(n, minimum)
            if got:
                return got
            now = self.clock()
            if now >= deadline:
                return 0
            # Just long enough for the missing tokens to accrue (as of the state read), never
            # past the deadline; another taker may get them first, and then we wait again.
            pause = max(self._short / self.rate, 0.001) * (1 + self.jitter * random.random())  # noqa: S311 - not a secret
            self.sleep(min(pause, deadline - now))
