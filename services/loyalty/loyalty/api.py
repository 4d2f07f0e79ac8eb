"""loyalty: the Chalice app and its functions, wired explicitly (no work is done here).

The API: each feature's routes (program, tiers, earning rules, members, ledger, rewards, coupons, ...).
``on_event``: the reactions of every feature to bus events (subscriptions.py). ``outbox_relay``.
"""

from __future__ import annotations

from chalice.app import Chalice

from loyalty import SERVICE
from loyalty.coupons import routes as coupons
from loyalty.earning import routes as earning
from loyalty.ledger import routes as ledger
from loyalty.members import routes as members
from loyalty.program import routes as program
from loyalty.referrals import routes as referrals
from loyalty.reports import routes as reports
from loyalty.rewards import routes as rewards
from loyalty.tiers import routes as tiers
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api

app = Chalice(app_name=f"crm-{SERVICE}")
# Kept: its routes are what the OpenAPI document and the route tests are made from.
api = Api(app, SERVICE)
api.include(program.router)
api.include(tiers.router)
api.include(earning.router)
api.include(members.router)
api.include(ledger.router)
api.include(rewards.router)
api.include(coupons.router)
api.include(referrals.router)
api.include(reports.router)
# app.py binds each function under its name, where Lambda looks it up.
add_consumer(app, SERVICE, "loyalty.subscriptions")
add_outbox_relay(app)
