"""pipeline: HTTP routes and Lambda functions. Handlers parse, call one use-case, map."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice

from pipeline import SERVICE
from pipeline.models import Lead, RepIn, RepPage
from shared.auth import STAFF, Role
from shared.functions import add_consumer, add_outbox_relay
from shared.http import Api, Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from pipeline.consumes import LeadCreatedIn, RepAddedIn
    from pipeline.repository import PipelineRepository
    from shared.consumer import Subscription
    from shared.events import Envelope

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)

REP_WRITERS = frozenset({Role.ADMIN, Role.MANAGER})


@cache
def _repo() -> PipelineRepository:
    from pipeline.repository import PipelineRepository

    return PipelineRepository()


@api.route("/reps", methods=["POST"], roles=REP_WRITERS, body=RepIn, status=201)
def add_rep(ctx: Ctx) -> Reply:
    from pipeline.usecases import add_rep as add

    rep = add(ctx.body, _repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(rep, 201, {"Location": f"/{SERVICE}/reps/{rep.id}"})


@api.route("/reps", roles=STAFF)
def list_reps(ctx: Ctx) -> RepPage:
    from pipeline.usecases import list_reps as page

    return page(_repo(), parse_limit(ctx.query.get("limit")), ctx.query.get("cursor"))


@api.route("/leads/{contact_id}", roles=STAFF)
def get_lead(ctx: Ctx, contact_id: str) -> Lead:
    from pipeline.usecases import get_lead as get

    return get(contact_id, _repo())


def _on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    from pipeline.usecases import receive_lead

    receive_lead(envelope.data.contact_id, envelope.metadata, _repo())


def _on_rep_added(envelope: Envelope[RepAddedIn]) -> None:
    from pipeline.usecases import drain_unassigned

    drain_unassigned(envelope.metadata, _repo())


def _subscriptions() -> list[Subscription[Any]]:
    from pipeline.consumes import LeadCreatedIn, RepAddedIn
    from shared.consumer import Subscription

    return [
        Subscription("LeadCreated", LeadCreatedIn, _on_lead_created),
        Subscription("RepAdded", RepAddedIn, _on_rep_added),
    ]


on_event = add_consumer(app, SERVICE, _subscriptions)
outbox_relay = add_outbox_relay(app)
