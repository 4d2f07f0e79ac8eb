"""The program feature's HTTP routes: the one document, read by staff, replaced by admins
(``If-Match``). Lots keep the expiry they were given; new accruals follow the new terms."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.program.models import Program, ProgramIn
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()


@router.route("/program", roles=STAFF, response=Program)
def get_program(ctx: Ctx) -> Reply:
    program = bootstrap.program().get(fresh=True)
    return Reply(program, 200, etag(program.version))


@router.route("/program", methods=["PUT"], roles={Role.ADMIN}, body=ProgramIn, response=Program)
def put_program(ctx: Ctx) -> Reply:
    version = parse_if_match(ctx.header("if-match"), "the program")
    program = bootstrap.program().replace(ctx.body, version)
    return Reply(program, 200, etag(program.version))
