"""contacts: the Chalice app with every route, and its Lambda functions."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from contacts import SERVICE
from contacts.http import app
from contacts.routes import analytics, companies, consent, fields, history, imports, privacy, records, segments  # noqa: F401 - registers the routes

if TYPE_CHECKING:
    from shared.consumer import Consumer

__all__ = ["app"]


@cache
def _consumer() -> Consumer:
    from contacts.consumes import subscriptions
    from shared.consumer import Consumer

    return Consumer(SERVICE, f"{SERVICE}-on-event", subscriptions())


@app.lambda_function(name="on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _consumer()(event, context)


@app.lambda_function(name="outbox_relay")
def outbox_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from shared.outbox import relay

    return relay(event)


@app.lambda_function(name="rescore_recency")
def rescore_recency(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Daily (resources.yaml RescoreRecency): recency decays with time, without any event."""
    from datetime import UTC, datetime

    from contacts.metrics_recency import rescore_due
    from contacts.routes.history import history_repo

    return {"rescored": rescore_due(history_repo(), datetime.now(UTC).date())}
