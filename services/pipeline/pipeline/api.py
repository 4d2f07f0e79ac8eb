"""pipeline: the Chalice app and its functions, wired explicitly (no work is done here).

The API: each feature's routes (teams, leads, ...). ``on_event``: the reactions of every
feature to bus events (subscriptions.py). ``outbox_relay``.
"""

from __future__ import annotations

from chalice.app import Chalice

from pipeline import SERVICE
from pipeline.approvals import routes as approvals
from pipeline.assignment import routes as assignment
from pipeline.forecast import routes as forecast
from pipeline.leads import routes as leads
from pipeline.opportunities import routes as opportunities
from pipeline.performance import routes as performance
from pipeline.rules import routes as rules
from pipeline.scoring import routes as scoring
from pipeline.stages import routes as stages
from pipeline.tasks import routes as tasks
from pipeline.teams import routes as teams
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api

app = Chalice(app_name=f"crm-{SERVICE}")
# Kept: its routes are what the OpenAPI document and the route tests are made from.
api = Api(app, SERVICE)
api.include(teams.router)
api.include(leads.router)
api.include(rules.router)
api.include(assignment.router)
api.include(scoring.router)
api.include(stages.router)
api.include(opportunities.router)
api.include(forecast.router)
api.include(approvals.router)
api.include(performance.router)
api.include(tasks.router)
# app.py binds each function under its name, where Lambda looks it up.
add_consumer(app, SERVICE, "pipeline.subscriptions")
add_outbox_relay(app)
