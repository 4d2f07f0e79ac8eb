"""service_desk: HTTP routes and Lambda functions. Handlers parse, call one use-case, map."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalice.app import Chalice

from service_desk import SERVICE
from service_desk.models import Ticket, TicketIn, TicketPage
from shared.auth import STAFF, Role
from shared.errors import BadRequest
from shared.functions import add_outbox_relay
from shared.http import Api, Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from service_desk.repository import TicketRepository

app = Chalice(app_name="crm-service-desk")
api = Api(app, SERVICE)

WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
PREFIX = "/service-desk"  # the gateway's prefix for this service


@cache
def _repo() -> TicketRepository:
    from service_desk.repository import TicketRepository

    return TicketRepository()


@api.route("/tickets", methods=["POST"], roles=WRITERS, body=TicketIn, status=201)
def open_ticket(ctx: Ctx) -> Reply:
    from service_desk.usecases import open_ticket as open_

    ticket = open_(ctx.body, ctx.principal.subject, _repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(ticket, 201, {"Location": f"{PREFIX}/tickets/{ticket.id}", "ETag": f'"{ticket.version}"'})


@api.route("/tickets/{ticket_id}", roles=STAFF)
def get_ticket(ctx: Ctx, ticket_id: str) -> Reply:
    from service_desk.usecases import get_ticket as get

    ticket: Ticket = get(ticket_id, _repo())
    return Reply(ticket, 200, {"ETag": f'"{ticket.version}"'})


@api.route("/tickets", roles=STAFF)
def list_tickets(ctx: Ctx) -> TicketPage:
    from service_desk.usecases import tickets_of_contact

    contact_id = (ctx.query.get("contact_id") or "").strip()
    if not contact_id:
        # Tickets are listed per contact through an index: listing them all would be a scan.
        raise BadRequest(
            "contact_id is required", errors=[{"field": "contact_id", "message": "required query parameter"}]
        )
    return tickets_of_contact(contact_id, _repo(), parse_limit(ctx.query.get("limit")), ctx.query.get("cursor"))


outbox_relay = add_outbox_relay(app)
