"""The stages feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.stages.models import Stages, StagesIn
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()


@router.route("/stages", roles=STAFF, response=Stages)
def get_stages(ctx: Ctx) -> Reply:
    stages = bootstrap.stages_repository().stages()
    return Reply(stages, 200, etag(stages.version))


@router.route("/stages", methods=["PUT"], roles={Role.ADMIN}, body=StagesIn, response=Stages)
def put_stages(ctx: Ctx) -> Reply:
    from pipeline.stages.usecases import put_stages as put

    version = parse_if_match(ctx.header("if-match"), "the stages")
    stages = put(ctx.body, version, bootstrap.stages_repository())
    return Reply(stages, 200, etag(stages.version))
