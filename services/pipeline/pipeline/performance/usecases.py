"""What the performance feature does: count pipeline's own events into per-rep months, and
report per rep and team with quota attainment (tested through the API)."""

from __future__ import annotations

import statistics
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from pipeline.opportunities.models import plain
from pipeline.performance.models import Counts, Performance, PerformanceQuery, PerformanceReport, Quota, QuotaIn
from pipeline.teams.models import Rep
from shared.errors import Unprocessable


class Counters(Protocol):
    def count(self, rep_id: str, month: str, event_id: str, at: datetime, **add: int | Decimal) -> bool: ...
    def months(self, rep_id: str, first: str, last: str) -> dict[str, Counts]: ...
    def put_quota(self, quota: Quota) -> None: ...


def month_of(at: datetime | date) -> str:
    return at.isoformat()[:7]


def put_quota(data: QuotaIn, repo: Counters, reps: list[Rep]) -> Quota:
    if data.rep_id not in {r.id for r in reps}:
        raise Unprocessable("unknown rep", errors=[{"field": "rep_id", "message": "no such rep"}])
    quota = Quota.model_validate(data.model_dump())
    repo.put_quota(quota)
    return quota


def _sum(months: list[Counts]) -> Counts:
    total = Counts()
    for m in months:
        total.leads += m.leads
        total.converted += m.converted
        total.contact_minutes += m.contact_minutes
        total.won += m.won
        total.lost += m.lost
        total.revenue += m.revenue
        total.cycle_days += m.cycle_days
        total.quota += m.quota
    return total


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def _performance(group: str | None, c: Counts) -> Performance:
    average = plain(c.revenue / c.won) if c.won else None
    cycle = c.cycle_days / c.won if c.won else None
    velocity = plain((c.won * (average or 0)) / Decimal(max(cycle or 0, 1))) if c.won else None
    minutes = statistics.median(c.contact_minutes) if c.contact_minutes else None
    return Performance(
        group=group,
        leads_received=c.leads,
        median_hours_to_first_contact=None if minutes is None else round(minutes / 60, 2),
        conversion_rate=_ratio(c.converted, c.leads),
        opportunities_won=c.won,
        opportunities_lost=c.lost,
        won_revenue=plain(c.revenue),
        win_rate=_ratio(c.won, c.won + c.lost),
        average_deal_size=average,
        sales_cycle_days=None if cycle is None else round(cycle, 1),
        sales_velocity=velocity,
        quota=plain(c.quota),
        quota_attainment=_ratio(float(c.revenue), float(c.quota)),
    )


def report(params: PerformanceQuery, owners: list[str], reps: list[Rep], repo: Counters) -> PerformanceReport:
    """Per rep in reach, then per team (its reps summed), over the months of the range."""
    team_of = {rep.id: rep.team_id for rep in reps}
    first, last = month_of(params.from_), month_of(params.to)
    per_rep = {owner: _sum(list(repo.months(owner, first, last).values())) for owner in owners}
    teams: dict[str | None, list[Counts]] = {}
    for owner, counts in per_rep.items():
        teams.setdefault(team_of.get(owner), []).append(counts)
    return PerformanceReport(
        from_date=params.from_,
        to_date=params.to,
        reps=[_performance(owner, counts) for owner, counts in sorted(per_rep.items())],
        teams=[_performance(team, _sum(c)) for team, c in sorted(teams.items(), key=lambda kv: kv[0] or "")],
    )
