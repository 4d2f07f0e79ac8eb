"""The leads feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.leads.models import Lead
from pipeline.reach import ensure_reach, reach_of
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.reach import not_found

router = Router()


@router.route("/leads/{contact_id}", roles=STAFF, response=Lead)
def get_lead(ctx: Ctx, contact_id: str) -> Lead:
    from pipeline.leads.usecases import get_lead as get

    lead = get(contact_id, bootstrap.leads_repository())
    ensure_reach(reach_of(ctx.principal, bootstrap.teams_repository), lead.owner_id, not_found("lead", contact_id))
    return lead
