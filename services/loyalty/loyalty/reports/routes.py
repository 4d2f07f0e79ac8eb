"""The reports feature's HTTP route: the program's figures over a range of days, read from
counters kept by reports/consumers.py (one query per month and one of the totals)."""

from __future__ import annotations

from datetime import UTC, datetime

from loyalty import bootstrap
from loyalty.reports.models import Report, ReportQuery
from shared.auth import Role
from shared.http import Ctx, Reply, Router

router = Router()


# Sales and agents serve single members; these aggregates are the program's managers' tool.
@router.route("/reports", roles={Role.ADMIN, Role.MARKETER}, query=ReportQuery, response=Report)
def get_report(ctx: Ctx) -> Reply:
    from loyalty.reports.usecases import report

    query: ReportQuery = ctx.params
    start, end = query.span(datetime.now(UTC).date())
    program = bootstrap.program().get()
    answer = report(bootstrap.reports(), start, end, point_value=program.point_value, currency=program.currency)
    return Reply(answer, 200)
