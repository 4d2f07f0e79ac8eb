"""campaigns: the Chalice app and its functions, wired explicitly (no work is done here).

The API: each feature's routes (a contact's messages, the email templates, the suppression
list) and the public links of emails (tracking, unsubscribe: shared.auth.PUBLIC_ROUTES).
``on_event``: LeadCreated sends the welcome email, once; PurchaseRecorded is attributed
(subscriptions.py). ``ses_feedback``: SES's bounce, complaint and delivery notifications.
``outbox_relay``.
"""

from __future__ import annotations

from chalice.app import Chalice

from campaigns import SERVICE
from campaigns.audience import routes as audience
from campaigns.bounces import workers as bounces
from campaigns.campaign import routes as campaign
from campaigns.campaign import workers as campaign_workers
from campaigns.journeys import routes as journeys
from campaigns.messages import routes as messages
from campaigns.suppression import routes as suppression
from campaigns.templates import routes as templates
from campaigns.tracking import routes as tracking
from campaigns.unsubscribe import routes as unsubscribe
from shared.functions import add_consumer, add_outbox_relay, add_worker
from shared.http import Api

app = Chalice(app_name=f"crm-{SERVICE}")
# Kept: its routes are what the OpenAPI document and the route tests are made from.
api = Api(app, SERVICE)
api.include(messages.router)
api.include(templates.router)
api.include(audience.router)
api.include(journeys.router)
api.include(tracking.router)
api.include(unsubscribe.router)
api.include(suppression.router)
api.include(campaign.router)
# app.py binds each function under its name, where Lambda looks it up.
add_consumer(app, SERVICE, "campaigns.subscriptions")
add_outbox_relay(app)
# SES's bounce, complaint and delivery notifications (SNS -> SQS).
add_worker(app, "ses_feedback", bounces.ses_feedback)
# The senders: one chunk of a campaign run's frozen audience per message.
add_worker(app, "send_worker", campaign_workers.send_worker)
