"""The 360 metrics' reactions to contacts' own events (called by the on_event consumer)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contacts.consumes import ContactsMergedIn
    from shared.events import Envelope


def on_contacts_merged_metrics(envelope: Envelope[ContactsMergedIn]) -> None:
    """The winner's metrics from both contacts' orders; the loser's released."""
    from contacts.metrics_merge import merge_metrics
    from contacts.routes.history import history_repo

    data = envelope.data
    merge_metrics(data.winner_id, data.loser_id, history_repo(), datetime.now(UTC).date(), envelope.metadata)
