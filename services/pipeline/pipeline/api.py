"""pipeline: the Chalice app and its Lambda functions, wired explicitly.

The HTTP API (routes.py), the bus-event consumer (subscriptions.py -> consumers.py) and the
outbox relay. Repositories come from bootstrap.py; nothing here does any work itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice

from pipeline import SERVICE, routes
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api

if TYPE_CHECKING:
    from shared.consumer import Subscription

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)
api.include(routes.router)


def _subscriptions() -> list[Subscription[Any]]:
    from pipeline.subscriptions import SUBSCRIPTIONS

    return SUBSCRIPTIONS


on_event = add_consumer(app, SERVICE, _subscriptions)
outbox_relay = add_outbox_relay(app)
