"""service_desk: the Chalice app and its functions, wired explicitly (no work is done here).

The API: tickets (routes.py), and ``outbox_relay``. The service reads no bus events yet,
so it deploys no consumer.
"""

from __future__ import annotations

from chalice.app import Chalice

from service_desk import SERVICE, routes
from shared.functions import add_outbox_relay
from shared.http import Api

app = Chalice(app_name="crm-service-desk")
# Kept: its routes are what the OpenAPI document and the route tests are made from.
api = Api(app, SERVICE)
api.include(routes.router)
add_outbox_relay(app)
