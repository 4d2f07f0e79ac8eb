"""What privacy needs from other features' stores (bootstrap passes them in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from contacts.history.merge import MetricsCommit
    from contacts.history.metrics import Metrics


class HeldKeys(Protocol):
    """records: the claims and index entries it keeps for a contact."""

    def held_keys(self, contact_id: str) -> tuple[list[str], list[tuple[str, str]]]: ...


class MetricsStore(Protocol):
    """history: a contact's 360 metrics, and their release on erasure."""

    def metrics(self, contact_id: str) -> Metrics | None: ...
    def commit_metrics(self, commit: MetricsCommit) -> None: ...
