"""The approvals feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.approvals.models import (
    Approval,
    ApprovalIn,
    ApprovalPage,
    ApprovalPolicy,
    ApprovalPolicyIn,
    ApprovalQuery,
    DecisionIn,
)
from pipeline.reach import reach_of
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()

REQUESTERS = frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})


@router.route("/approval-policy", roles=STAFF, response=ApprovalPolicy)
def get_policy(ctx: Ctx) -> Reply:
    policy = bootstrap.approvals_repository().policy()
    return Reply(policy, 200, etag(policy.version))


@router.route("/approval-policy", methods=["PUT"], roles={Role.ADMIN}, body=ApprovalPolicyIn, response=ApprovalPolicy)
def put_policy(ctx: Ctx) -> Reply:
    from pipeline.approvals.usecases import put_policy as put

    policy = put(ctx.body, parse_if_match(ctx.header("if-match"), "the policy"), bootstrap.approvals_repository())
    return Reply(policy, 200, etag(policy.version))


@router.route(
    "/opportunities/{opportunity_id}/approvals",
    methods=["POST"],
    roles=REQUESTERS,
    body=ApprovalIn,
    status=201,
    response=Approval,
)
def open_approval(ctx: Ctx, opportunity_id: str) -> Reply:
    """Ask for the deal's discount to be approved (422 when it needs none)."""
    from pipeline.approvals.usecases import open_approval as open_chain
    from pipeline.opportunities.usecases import get

    reach = reach_of(ctx.principal, bootstrap.teams_repository)
    opp = get(opportunity_id, bootstrap.opportunities_repository(), reach)
    approval = open_chain(
        opp,
        ctx.body,
        ctx.principal,
        repo=bootstrap.approvals_repository(),
        directory=bootstrap.teams_repository(),
        deadlines=bootstrap.deadlines(),
    )
    return Reply(approval, 201, {"Location": f"/pipeline/approvals/{approval.id}"})


@router.route("/approvals", roles=STAFF, query=ApprovalQuery, response=ApprovalPage)
def approval_queue(ctx: Ctx) -> ApprovalPage:
    from pipeline.approvals.usecases import queue

    params: ApprovalQuery = ctx.params
    return queue(ctx.principal, params.limit, params.cursor, bootstrap.approvals_repository())


@router.route("/approvals/{approval_id}", roles=STAFF, response=Approval)
def get_approval(ctx: Ctx, approval_id: str) -> Approval:
    from pipeline.approvals.usecases import get_approval as get

    reach = reach_of(ctx.principal, bootstrap.teams_repository)
    return get(approval_id, ctx.principal, bootstrap.approvals_repository(), reach)


@router.route("/approvals/{approval_id}/decisions", methods=["POST"], roles=STAFF, body=DecisionIn, response=Approval)
def decide(ctx: Ctx, approval_id: str) -> Approval:
    from pipeline.approvals.usecases import decide as decide_step

    return decide_step(
        approval_id,
        ctx.body,
        ctx.principal,
        repo=bootstrap.approvals_repository(),
        reach=reach_of(ctx.principal, bootstrap.teams_repository),
        deadlines=bootstrap.deadlines(),
    )
