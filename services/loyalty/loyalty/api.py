"""loyalty: HTTP routes and Lambda functions. Handlers parse, call one use-case, map."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice

from loyalty import SERVICE
from loyalty.models import LedgerPage, Member
from shared.auth import STAFF
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api, Ctx
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from loyalty.consumes import LeadCreatedIn
    from loyalty.repository import LoyaltyRepository
    from shared.consumer import Subscription
    from shared.events import Envelope

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)


@cache
def _repo() -> LoyaltyRepository:
    from loyalty.repository import LoyaltyRepository

    return LoyaltyRepository()


@api.route("/members/{contact_id}", roles=STAFF)
def get_member(ctx: Ctx, contact_id: str) -> Member:
    from loyalty.usecases import get_member as get

    return get(contact_id, _repo())


@api.route("/members/{contact_id}/ledger", roles=STAFF)
def get_ledger(ctx: Ctx, contact_id: str) -> LedgerPage:
    from loyalty.usecases import ledger

    return ledger(contact_id, _repo(), parse_limit(ctx.query.get("limit")), ctx.query.get("cursor"))


def _on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    from loyalty.usecases import enrol_lead

    enrol_lead(envelope.data.contact_id, envelope.metadata, _repo())


def _subscriptions() -> list[Subscription[Any]]:
    from loyalty.consumes import LeadCreatedIn
    from shared.consumer import Subscription

    return [Subscription("LeadCreated", LeadCreatedIn, _on_lead_created)]


on_event = add_consumer(app, SERVICE, _subscriptions)
outbox_relay = add_outbox_relay(app)
