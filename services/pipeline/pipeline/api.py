"""pipeline: the Chalice app and its functions, wired explicitly (no work is done here).

The API: each feature's routes (teams, leads, ...). ``on_event``: the reactions of every
feature to bus events (subscriptions.py). ``outbox_relay``.
"""

from __future__ import annotations

from chalice.app import Chalice

from pipeline import SERVICE
from pipeline.leads import routes as leads
from pipeline.tasks import routes as tasks
from pipeline.teams import routes as teams
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api

app = Chalice(app_name=f"crm-{SERVICE}")
# Kept: its routes are what the OpenAPI document and the route tests are made from.
api = Api(app, SERVICE)
api.include(teams.router)
api.include(leads.router)
api.include(tasks.router)
# app.py binds each function under its name, where Lambda looks it up.
add_consumer(app, SERVICE, "pipeline.subscriptions")
add_outbox_relay(app)
