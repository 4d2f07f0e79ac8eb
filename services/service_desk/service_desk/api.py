"""service_desk: the Chalice app and its functions, wired explicitly (no work is done here).

The API: tickets (routes.py). ``on_event``: LeadAssigned records the contact's owner (for
reach), ContactErased anonymises the person's tickets (subscriptions.py). ``outbox_relay``.
"""

from __future__ import annotations

from chalice.app import Chalice

from service_desk import SERVICE, routes
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api

app = Chalice(app_name="crm-service-desk")
# Kept: its routes are what the OpenAPI document and the route tests are made from.
api = Api(app, SERVICE)
api.include(routes.router)
# app.py binds each function under its name, where Lambda looks it up.
add_consumer(app, SERVICE, "service_desk.subscriptions")
add_outbox_relay(app)
