"""The teams feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import SERVICE, bootstrap
from pipeline.reach import reach_of
from pipeline.teams.models import Rep, RepIn, RepPage, RepPatch, Team, TeamIn, TeamPage
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, etag, parse_if_match

router = Router()

REP_WRITERS = frozenset({Role.ADMIN, Role.MANAGER})
# A sales rep may PATCH their own record, and only its status (teams.models.SELF_SERVICE).
REP_EDITORS = REP_WRITERS | {Role.SALES}


@router.route("/teams", methods=["POST"], roles=REP_WRITERS, body=TeamIn, status=201, response=Team)
def add_team(ctx: Ctx) -> Reply:
    from pipeline.teams.usecases import add_team as add

    team = add(ctx.body, bootstrap.teams_repository(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(team, 201, {"Location": f"/{SERVICE}/teams/{team.id}"})


@router.route("/teams", roles=STAFF, query=PageQuery, response=TeamPage)
def list_teams(ctx: Ctx) -> TeamPage:
    from pipeline.teams.usecases import list_teams as page

    params: PageQuery = ctx.params
    return page(bootstrap.teams_repository(), params.limit, params.cursor)


@router.route("/reps", methods=["POST"], roles=REP_WRITERS, body=RepIn, status=201, response=Rep)
def add_rep(ctx: Ctx) -> Reply:
    from pipeline.teams.usecases import add_rep as add

    rep = add(ctx.body, bootstrap.teams_repository(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(rep, 201, {"Location": f"/{SERVICE}/reps/{rep.id}", **etag(rep.version)})


@router.route("/reps", roles=STAFF, query=PageQuery, response=RepPage)
def list_reps(ctx: Ctx) -> RepPage:
    from pipeline.teams.usecases import list_reps as page

    params: PageQuery = ctx.params
    return page(bootstrap.teams_repository(), params.limit, params.cursor)


@router.route("/reps/{rep_id}", roles=STAFF, response=Rep)
def get_rep(ctx: Ctx, rep_id: str) -> Reply:
    from pipeline.teams.usecases import get_rep as get

    rep = get(rep_id, bootstrap.teams_repository())
    return Reply(rep, 200, etag(rep.version))


@router.route("/reps/{rep_id}", methods=["PATCH"], roles=REP_EDITORS, body=RepPatch, response=Rep)
def update_rep(ctx: Ctx, rep_id: str) -> Reply:
    from pipeline.teams.usecases import update_rep as update

    version = parse_if_match(ctx.header("if-match"), "the rep")
    reach = reach_of(ctx.principal, bootstrap.teams_repository)
    self_service = ctx.principal.role is Role.SALES
    rep = update(rep_id, ctx.body, version, bootstrap.teams_repository(), reach, self_service=self_service)
    return Reply(rep, 200, etag(rep.version))
