"""The opportunities feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from typing import Any

from pipeline import SERVICE, bootstrap
from pipeline.opportunities.models import (
    Board,
    BoardQuery,
    HistoryPage,
    Opportunity,
    OpportunityIn,
    OpportunityPage,
    OpportunityPatch,
    OpportunityQuery,
)
from pipeline.reach import reach_of
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, etag, parse_if_match

router = Router()

# Who works deals: their owner (a sales rep), managers of the owner, admins.
DEAL_WORKERS = frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})


def _ports(ctx: Ctx) -> dict[str, Any]:
    """What the create and update use cases work with, read for this request."""
    return {
        "repo": bootstrap.opportunities_repository(),
        "stages": bootstrap.stages_repository().stages(),
        "reach": reach_of(ctx.principal, bootstrap.teams_repository),
        "directory": bootstrap.teams_repository(),
    }


@router.route(
    "/opportunities", methods=["POST"], roles=DEAL_WORKERS, body=OpportunityIn, status=201, response=Opportunity
)
def create_opportunity(ctx: Ctx) -> Reply:
    from pipeline.opportunities.usecases import create

    opp = create(ctx.body, ctx.principal, **_ports(ctx))
    return Reply(opp, 201, {"Location": f"/{SERVICE}/opportunities/{opp.id}", **etag(opp.version)})


@router.route("/opportunities", roles=STAFF, query=OpportunityQuery, response=OpportunityPage)
def list_opportunities(ctx: Ctx) -> OpportunityPage:
    from pipeline.opportunities.usecases import list_opportunities as page
    from pipeline.opportunities.usecases import owners_in

    owners = owners_in(reach_of(ctx.principal, bootstrap.teams_repository), bootstrap.teams_repository())
    return page(owners, ctx.params, bootstrap.opportunities_repository())


@router.route("/opportunities/{opportunity_id}", roles=STAFF, response=Opportunity)
def get_opportunity(ctx: Ctx, opportunity_id: str) -> Reply:
    from pipeline.opportunities.usecases import get

    reach = reach_of(ctx.principal, bootstrap.teams_repository)
    opp = get(opportunity_id, bootstrap.opportunities_repository(), reach)
    return Reply(opp, 200, etag(opp.version))


@router.route(
    "/opportunities/{opportunity_id}",
    methods=["PATCH"],
    roles=DEAL_WORKERS,
    body=OpportunityPatch,
    response=Opportunity,
)
def update_opportunity(ctx: Ctx, opportunity_id: str) -> Reply:
    """If-Match is required (428 without it, 409 when stale)."""
    from pipeline.opportunities.usecases import update

    version = parse_if_match(ctx.header("if-match"), "the opportunity")
    threshold = bootstrap.approvals_repository().policy().discount_threshold
    opp = update(
        opportunity_id,
        ctx.body,
        version,
        ctx.principal,
        **_ports(ctx),
        discount_threshold=threshold,
    )
    return Reply(opp, 200, etag(opp.version))


@router.route("/opportunities/{opportunity_id}/history", roles=STAFF, query=PageQuery, response=HistoryPage)
def opportunity_history(ctx: Ctx, opportunity_id: str) -> HistoryPage:
    from pipeline.opportunities.usecases import history

    params: PageQuery = ctx.params
    reach = reach_of(ctx.principal, bootstrap.teams_repository)
    return history(opportunity_id, params.limit, params.cursor, bootstrap.opportunities_repository(), reach)


@router.route("/board", roles=STAFF, query=BoardQuery, response=Board)
def get_board(ctx: Ctx) -> Board:
    from pipeline.opportunities.usecases import board, owners_in

    owners = owners_in(reach_of(ctx.principal, bootstrap.teams_repository), bootstrap.teams_repository())
    return board(owners, ctx.params, bootstrap.stages_repository().stages(), bootstrap.opportunities_repository())
