"""pipeline's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import SERVICE, bootstrap
from pipeline.models import Lead, Rep, RepIn, RepPage
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery
from shared.reach import guard, not_found

router = Router()

REP_WRITERS = frozenset({Role.ADMIN, Role.MANAGER})


@router.route("/reps", methods=["POST"], roles=REP_WRITERS, body=RepIn, status=201, response=Rep)
def add_rep(ctx: Ctx) -> Reply:
    from pipeline.usecases import add_rep as add

    rep = add(ctx.body, bootstrap.pipeline_repository(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(rep, 201, {"Location": f"/{SERVICE}/reps/{rep.id}"})


@router.route("/reps", roles=STAFF, query=PageQuery)
def list_reps(ctx: Ctx) -> RepPage:
    from pipeline.usecases import list_reps as page

    params: PageQuery = ctx.params
    return page(bootstrap.pipeline_repository(), params.limit, params.cursor)


@router.route("/leads/{contact_id}", roles=STAFF)
def get_lead(ctx: Ctx, contact_id: str) -> Lead:
    from pipeline.usecases import get_lead as get

    guard(ctx.principal, contact_id, bootstrap.pipeline_repository, not_found("lead", contact_id))
    return get(contact_id, bootstrap.pipeline_repository())
