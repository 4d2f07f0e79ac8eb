"""The performance feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.performance.models import PerformanceQuery, PerformanceReport, Quota, QuotaIn
from pipeline.reach import reach_of
from shared.auth import STAFF, Role
from shared.http import Ctx, Router

router = Router()


@router.route("/quotas", methods=["PUT"], roles={Role.ADMIN, Role.MANAGER}, body=QuotaIn, response=Quota)
def put_quota(ctx: Ctx) -> Quota:
    """A rep's quota for a month (won revenue), replacing any set before."""
    from pipeline.performance.usecases import put_quota as put

    return put(ctx.body, bootstrap.performance_repository(), bootstrap.teams_repository().all_reps())


@router.route("/reports/performance", roles=STAFF, query=PerformanceQuery, response=PerformanceReport)
def performance(ctx: Ctx) -> PerformanceReport:
    """Per rep and team within reach, over the months of ``from``..``to``."""
    from pipeline.opportunities.usecases import owners_in
    from pipeline.performance.usecases import report

    directory = bootstrap.teams_repository()
    owners = owners_in(reach_of(ctx.principal, bootstrap.teams_repository), directory)
    return report(ctx.params, owners, directory.all_reps(), bootstrap.performance_repository())
