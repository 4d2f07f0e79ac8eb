"""contacts: the Chalice app with every route, and its Lambda functions."""

from __future__ import annotations

from typing import Any

from contacts import SERVICE
from contacts.http import app
from contacts.routes import analytics, companies, consent, exports, fields, history, imports, privacy, records, segments  # noqa: F401 - registers the routes
from shared.functions import add_consumer, add_outbox_relay

__all__ = ["app"]


def _subscriptions() -> list[Any]:
    from contacts.consumes import subscriptions

    return subscriptions()


on_event = add_consumer(app, SERVICE, _subscriptions)
outbox_relay = add_outbox_relay(app)


@app.lambda_function(name="rescore_recency")
def rescore_recency(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Daily (resources.yaml RescoreRecency): recency decays with time, without any event."""
    from datetime import UTC, datetime

    from contacts.metrics_recency import rescore_due
    from contacts.routes.history import history_repo

    return {"rescored": rescore_due(history_repo(), datetime.now(UTC).date())}


@app.lambda_function(name="segments_due")
def segments_due(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Daily (resources.yaml SegmentsDue): segment rules that time alone changes."""
    from datetime import UTC, datetime

    from contacts.segments_due import reevaluate_due
    from contacts.segments_handlers import segment_store

    return {"moves": reevaluate_due(segment_store(), datetime.now(UTC))}
