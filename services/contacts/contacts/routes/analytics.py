"""Customer analytics over a period (from daily counters; see contacts/analytics.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from contacts.http import api
from shared.auth import Role
from shared.http import Ctx, Reply

ANALYSTS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


@api.route("/analytics", roles=ANALYSTS)
def get_analytics(ctx: Ctx) -> Reply:
    from contacts.analytics import parse_period, report
    from contacts.routes.history import history_repo

    start, end = parse_period(ctx.query)
    return Reply(report(start, end, history_repo(), datetime.now(UTC).date()))
