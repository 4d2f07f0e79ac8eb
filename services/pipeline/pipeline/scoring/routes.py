"""The scoring feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.scoring.models import Scoring, ScoringIn
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()


@router.route("/scoring", roles=STAFF, response=Scoring)
def get_scoring(ctx: Ctx) -> Reply:
    model = bootstrap.scoring_repository().scoring(fresh=True)
    return Reply(model, 200, etag(model.version))


@router.route("/scoring", methods=["PUT"], roles={Role.ADMIN}, body=ScoringIn, response=Scoring)
def put_scoring(ctx: Ctx) -> Reply:
    """Points per country, company size, source and behaviour event, and the behaviour cap;
    If-Match names the version read ("0": the built-in default). Leads are rescored from
    their next event on."""
    from pipeline.scoring.usecases import put_scoring as put

    version = parse_if_match(ctx.header("if-match"), "the scoring model")
    model = put(ctx.body, version, bootstrap.scoring_repository())
    return Reply(model, 200, etag(model.version))
