"""service_desk's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from service_desk import bootstrap
from service_desk.models import Ticket, TicketIn, TicketPage, TicketQuery
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.reach import guard, not_found

router = Router()

WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
PREFIX = "/service-desk"  # the gateway's prefix for this service


@router.route("/tickets", methods=["POST"], roles=WRITERS, body=TicketIn, status=201, response=Ticket)
def open_ticket(ctx: Ctx) -> Reply:
    from service_desk.usecases import open_ticket as open_

    repo, correlation_id = bootstrap.ticket_repository(), ctx.header("x-correlation-id")
    ticket = open_(ctx.body, ctx.principal.subject, repo, correlation_id=correlation_id)
    return Reply(ticket, 201, {"Location": f"{PREFIX}/tickets/{ticket.id}", "ETag": f'"{ticket.version}"'})


@router.route("/tickets/{ticket_id}", roles=STAFF, response=Ticket)
def get_ticket(ctx: Ctx, ticket_id: str) -> Reply:
    from service_desk.usecases import get_ticket as get

    ticket = get(ticket_id, bootstrap.ticket_repository())
    # A ticket is within reach when its contact is; outside, it is not found like a missing one.
    guard(ctx.principal, ticket.contact_id, bootstrap.contact_owners, not_found("ticket", ticket_id))
    return Reply(ticket, 200, {"ETag": f'"{ticket.version}"'})


@router.route("/tickets", roles=STAFF, query=TicketQuery)
def list_tickets(ctx: Ctx) -> TicketPage:
    from service_desk.usecases import tickets_of_contact

    params: TicketQuery = ctx.params
    guard(ctx.principal, params.contact_id, bootstrap.contact_owners)
    return tickets_of_contact(params.contact_id, bootstrap.ticket_repository(), params.limit, params.cursor)
