"""The forecast feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.forecast.models import Forecast, ForecastQuery
from pipeline.reach import reach_of
from shared.auth import STAFF
from shared.http import Ctx, Router

router = Router()


@router.route("/forecast", roles=STAFF, query=ForecastQuery, response=Forecast)
def get_forecast(ctx: Ctx) -> Forecast:
    """``from``/``to`` (dates: their months), ``group_by`` rep or team; within reach."""
    from pipeline.forecast.usecases import forecast
    from pipeline.opportunities.usecases import owners_in

    directory = bootstrap.teams_repository()
    owners = owners_in(reach_of(ctx.principal, bootstrap.teams_repository), directory)
    return forecast(ctx.params, owners, directory.all_reps(), bootstrap.opportunities_repository())
