"""campaigns: HTTP routes and Lambda functions. Handlers parse, call one use-case, map."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice

from campaigns import SERVICE
from campaigns.models import MessagePage
from shared.auth import STAFF
from shared.errors import BadRequest
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api, Ctx
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from campaigns.consumes import LeadCreatedIn
    from campaigns.mailer import SesMailer
    from campaigns.repository import MessageRepository
    from shared.consumer import Subscription
    from shared.events import Envelope

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)


@cache
def _repo() -> MessageRepository:
    from campaigns.repository import MessageRepository

    return MessageRepository()


@cache
def _mailer() -> SesMailer:
    from campaigns.mailer import SesMailer

    return SesMailer()


@api.route("/messages", roles=STAFF)
def list_messages(ctx: Ctx) -> MessagePage:
    from campaigns.usecases import list_messages as page

    contact_id = (ctx.query.get("contact_id") or "").strip()
    if not contact_id:
        # Messages are kept per contact: listing them all would be a scan.
        raise BadRequest(
            "contact_id is required", errors=[{"field": "contact_id", "message": "required query parameter"}]
        )
    return page(contact_id, _repo(), parse_limit(ctx.query.get("limit")), ctx.query.get("cursor"))


def _on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    from campaigns.models import Recipient
    from campaigns.usecases import send_welcome

    lead = envelope.data
    recipient = Recipient(contact_id=lead.contact_id, email=lead.email, first_name=lead.first_name)
    send_welcome(recipient, envelope.metadata, _repo(), _mailer())


def _subscriptions() -> list[Subscription[Any]]:
    from campaigns.consumes import LeadCreatedIn
    from shared.consumer import Subscription

    return [Subscription("LeadCreated", LeadCreatedIn, _on_lead_created)]


on_event = add_consumer(app, SERVICE, _subscriptions)
outbox_relay = add_outbox_relay(app)
