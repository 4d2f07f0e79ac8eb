"""The teams feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import SERVICE, bootstrap
from pipeline.teams.models import Rep, RepIn, RepPage
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery

router = Router()

REP_WRITERS = frozenset({Role.ADMIN, Role.MANAGER})


@router.route("/reps", methods=["POST"], roles=REP_WRITERS, body=RepIn, status=201, response=Rep)
def add_rep(ctx: Ctx) -> Reply:
    from pipeline.teams.usecases import add_rep as add

    rep = add(ctx.body, bootstrap.teams_repository(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(rep, 201, {"Location": f"/{SERVICE}/reps/{rep.id}"})


@router.route("/reps", roles=STAFF, query=PageQuery, response=RepPage)
def list_reps(ctx: Ctx) -> RepPage:
    from pipeline.teams.usecases import list_reps as page

    params: PageQuery = ctx.params
    return page(bootstrap.teams_repository(), params.limit, params.cursor)
