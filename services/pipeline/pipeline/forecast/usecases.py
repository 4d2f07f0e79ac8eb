"""What the forecast feature does: sum the forecast counters of the owners in reach (kept
by every opportunity write, never a scan of deals), by rep or team and close month."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from pipeline.forecast.models import Forecast, ForecastQuery, ForecastRow, GroupBy
from pipeline.opportunities.models import plain
from pipeline.teams.models import Rep

OPEN_BUCKETS = ("pipeline", "best_case", "commit")


class Counters(Protocol):
    def forecast_counts(self, owner: str, first: str, last: str) -> list[tuple[str, str, int, Decimal, Decimal]]: ...


def _add(row: ForecastRow, bucket: str, count: int, amount: Decimal, weighted: Decimal) -> None:
    if bucket == "won":
        row.won += amount
        row.won_deals += count
        return
    if bucket not in OPEN_BUCKETS:
        return
    row.pipeline += amount
    row.weighted += weighted
    row.open_deals += count
    if bucket in ("best_case", "commit"):
        row.best_case += amount
    if bucket == "commit":
        row.commit += amount


def _plain(row: ForecastRow) -> ForecastRow:
    money = ("pipeline", "weighted", "best_case", "commit", "won")
    return row.model_copy(update={name: plain(getattr(row, name)) for name in money})


def forecast(params: ForecastQuery, owners: list[str], reps: list[Rep], repo: Counters) -> Forecast:
    team_of = {rep.id: rep.team_id for rep in reps}
    first, last = params.from_.isoformat()[:7], params.to.isoformat()[:7]
    rows: dict[tuple[str | None, str], ForecastRow] = {}
    total = ForecastRow(group=None, month=f"{first}..{last}")
    for owner in owners:
        group = owner if params.group_by is GroupBy.REP else team_of.get(owner)
        for month, bucket, count, amount, weighted in repo.forecast_counts(owner, first, last):
            row = rows.setdefault((group, month), ForecastRow(group=group, month=month))
            _add(row, bucket, count, amount, weighted)
            _add(total, bucket, count, amount, weighted)
    ordered = sorted(rows.values(), key=lambda r: (r.month, r.group or ""))
    return Forecast(
        from_date=params.from_,
        to_date=params.to,
        group_by=params.group_by,
        rows=[_plain(r) for r in ordered],
        total=_plain(total),
    )
