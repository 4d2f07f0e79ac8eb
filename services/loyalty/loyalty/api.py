"""loyalty: the Chalice app and its functions, wired explicitly (no work is done here).

The API: members and their ledgers (routes.py). ``on_event``: LeadCreated enrols the
contact with its sign-up points (subscriptions.py). ``outbox_relay``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice

from loyalty import SERVICE, routes
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api

if TYPE_CHECKING:
    from shared.consumer import Subscription

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)
api.include(routes.router)


def _subscriptions() -> list[Subscription[Any]]:
    from loyalty.subscriptions import SUBSCRIPTIONS

    return SUBSCRIPTIONS


on_event = add_consumer(app, SERVICE, _subscriptions)
outbox_relay = add_outbox_relay(app)
