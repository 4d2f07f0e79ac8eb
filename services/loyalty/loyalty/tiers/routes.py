"""The tiers feature's HTTP routes: the ladder, read by staff, replaced by admins
(``If-Match``). Members move to a new ladder on their next posting: up at once, down at
their review day."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.tiers.models import Tiers, TiersIn
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()


@router.route("/tiers", roles=STAFF, response=Tiers)
def get_tiers(ctx: Ctx) -> Reply:
    tiers = bootstrap.tiers().get(fresh=True)
    return Reply(tiers, 200, etag(tiers.version))


@router.route("/tiers", methods=["PUT"], roles={Role.ADMIN}, body=TiersIn, response=Tiers)
def put_tiers(ctx: Ctx) -> Reply:
    version = parse_if_match(ctx.header("if-match"), "the tiers")
    tiers = bootstrap.tiers().replace(ctx.body, version)
    return Reply(tiers, 200, etag(tiers.version))
