"""The leads feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.leads.models import Lead, LeadPatch
from pipeline.reach import ensure_reach, reach_of
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match
from shared.reach import not_found

router = Router()

# Who works leads: their owner (a sales rep), managers of the owner, admins.
LEAD_WORKERS = frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})


@router.route("/leads/{contact_id}", roles=STAFF, response=Lead)
def get_lead(ctx: Ctx, contact_id: str) -> Reply:
    from pipeline.leads.usecases import get_lead as get

    lead = get(contact_id, bootstrap.leads_repository())
    ensure_reach(reach_of(ctx.principal, bootstrap.teams_repository), lead.owner_id, not_found("lead", contact_id))
    return Reply(lead, 200, etag(lead.version))


@router.route("/leads/{contact_id}", methods=["PATCH"], roles=LEAD_WORKERS, body=LeadPatch, response=Lead)
def change_lead(ctx: Ctx, contact_id: str) -> Reply:
    """The follow-up status (``disqualified`` with a ``reason``); 409 for a move backwards or
    out of a closed status, 428 without If-Match, 409 when it is stale."""
    from pipeline.leads.usecases import change_status

    version = parse_if_match(ctx.header("if-match"), "the lead")
    lead = change_status(
        contact_id,
        ctx.body,
        version,
        repo=bootstrap.leads_repository(),
        reach=reach_of(ctx.principal, bootstrap.teams_repository),
        deadlines=bootstrap.deadlines(),
        correlation_id=ctx.header("x-correlation-id"),
    )
    return Reply(lead, 200, etag(lead.version))
