"""Handled notifications: ``FEEDBACK#<feedback id>``/``FEEDBACK`` (keys.feedback_key), written
with the campaign's counter and the event in one transaction, so each counts once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns.table.keys import feedback_key
from campaigns.table.writes import once, put_new, stats_entries, table
from shared.events import Outgoing
from shared.outbox import outbox_put

# SES retries a notification for hours, SQS keeps it 4 days at most: then the marker can go.
KEPT = timedelta(days=14)


class FeedbackRepository:
    def record(self, feedback_id: str, campaign_id: str | None, counts: dict[str, int], event: Outgoing | None) -> bool:
        marker = put_new(feedback_key(feedback_id), {"expires_at": int((datetime.now(UTC) + KEPT).timestamp())})
        events = [outbox_put(table(), event)] if event is not None else []
        return once([marker, *stats_entries(campaign_id, counts), *events])
