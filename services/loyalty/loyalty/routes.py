"""loyalty's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.models import LedgerPage, Member
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.inputs import PageQuery
from shared.reach import guard, not_found

router = Router()


@router.route("/members/{contact_id}", roles=STAFF)
def get_member(ctx: Ctx, contact_id: str) -> Member:
    from loyalty.usecases import get_member as get

    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return get(contact_id, bootstrap.loyalty_repository())


@router.route("/members/{contact_id}/ledger", roles=STAFF, query=PageQuery)
def get_ledger(ctx: Ctx, contact_id: str) -> LedgerPage:
    from loyalty.usecases import ledger

    params: PageQuery = ctx.params
    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return ledger(contact_id, bootstrap.loyalty_repository(), params.limit, params.cursor)
