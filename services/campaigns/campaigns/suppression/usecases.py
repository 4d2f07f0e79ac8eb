"""Operators' view of the suppression list (the senders ask the repository directly)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from campaigns.suppression.models import Suppression, SuppressionIn
from shared.errors import NotFound

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class Suppressions(Protocol):
    def add(self, address: str, reason: str, at: datetime) -> bool: ...
    def get(self, address: str) -> Suppression | None: ...
    def suppressed(self, addresses: list[str]) -> set[str]: ...
    def remove(self, address: str) -> bool: ...


def get_suppression(address: str, repo: Suppressions) -> Suppression:
    found = repo.get(address)
    if found is None:
        raise NotFound("this address is not suppressed")  # the address is not echoed: PII
    return found


def suppress(data: SuppressionIn, repo: Suppressions, clock: Clock = _now) -> tuple[Suppression, bool]:
    """(the suppression, whether it is new): an address suppressed already keeps its first reason."""
    created = repo.add(data.address, data.reason.value, clock())
    return get_suppression(data.address, repo), created


def lift(address: str, repo: Suppressions) -> None:
    if not repo.remove(address):
        raise NotFound("this address is not suppressed")
