"""The assignment feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.assignment.models import AssignmentView
from pipeline.reach import ensure_reach, reach_of
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.reach import not_found

router = Router()


@router.route("/leads/{contact_id}/assignment", roles=STAFF, response=AssignmentView)
def get_assignment(ctx: Ctx, contact_id: str) -> AssignmentView:
    """Who owns the lead, by which rule and why, and every decision before (a queued lead
    has no owner: only those who reach everyone see it)."""
    from pipeline.assignment.usecases import assignment_of

    view = assignment_of(contact_id, bootstrap.assignment_repository())
    ensure_reach(reach_of(ctx.principal, bootstrap.teams_repository), view.owner_id, not_found("lead", contact_id))
    return view
