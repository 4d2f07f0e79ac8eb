"""The journeys feature's HTTP routes: each parses, calls one use case, maps the result.
Marketers and admins change journeys; other staff with reports read them."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.journeys.models import Journey, JourneyIn, JourneyNew, JourneyPage
from campaigns.templates.routes import AUTHORS, READERS
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()


@router.route("/journeys", roles=READERS)
def list_journeys(ctx: Ctx) -> JourneyPage:
    from campaigns.journeys.usecases import journeys_page

    return journeys_page(bootstrap.journey_ports())


@router.route("/journeys", methods=["POST"], roles=AUTHORS, body=JourneyNew, status=201, response=Journey)
def add_journey(ctx: Ctx) -> Reply:
    from campaigns.journeys.usecases import add_journey as add

    journey = add(ctx.body, bootstrap.journey_ports())
    return Reply(journey, 201, etag(journey.version))


@router.route("/journeys/{journey_id}", roles=READERS, response=Journey)
def get_journey(ctx: Ctx, journey_id: str) -> Reply:
    from campaigns.journeys.usecases import get_journey as get

    journey = get(journey_id, bootstrap.journeys())
    return Reply(journey, 200, etag(journey.version))


@router.route("/journeys/{journey_id}", methods=["PUT"], roles=AUTHORS, body=JourneyIn, response=Journey)
def put_journey(ctx: Ctx, journey_id: str) -> Reply:
    from campaigns.journeys.usecases import replace_journey

    version = parse_if_match(ctx.header("if-match"), f"journey {journey_id}")
    journey = replace_journey(journey_id, ctx.body, version, bootstrap.journey_ports())
    return Reply(journey, 200, etag(journey.version))
