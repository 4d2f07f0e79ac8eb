"""loyalty: HTTP routes and Lambda functions. Handlers parse, call one use-case, map."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice

from loyalty import SERVICE
from loyalty.models import LedgerPage, Member
from shared.auth import STAFF
from shared.http import Api, Ctx
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from loyalty.consumes import LeadCreatedIn
    from loyalty.repository import LoyaltyRepository
    from shared.consumer import Consumer
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


@cache
def _consumer() -> Consumer:
    from loyalty.consumes import LeadCreatedIn
    from shared.consumer import Consumer, Subscription

    return Consumer(SERVICE, f"{SERVICE}-on-event", [Subscription("LeadCreated", LeadCreatedIn, _on_lead_created)])


@app.lambda_function(name="on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _consumer()(event, context)


@app.lambda_function(name="outbox_relay")
def outbox_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from shared.outbox import relay

    return relay(event)
