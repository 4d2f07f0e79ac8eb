"""The ledger's HTTP routes: a member's entries, and an admin's adjustments."""

from __future__ import annotations

import uuid

from loyalty import bootstrap
from loyalty.ledger.models import AdjustmentIn, LedgerEntry, LedgerPage
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery
from shared.reach import guard, not_found

router = Router()


@router.route("/members/{contact_id}/ledger", roles=STAFF, query=PageQuery)
def get_ledger(ctx: Ctx, contact_id: str) -> LedgerPage:
    from loyalty.ledger.usecases import ledger_page

    params: PageQuery = ctx.params
    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return ledger_page(contact_id, bootstrap.ledger_repository(), params.limit, params.cursor)


@router.route(
    "/members/{contact_id}/adjustments",
    methods=["POST"],
    roles={Role.ADMIN},
    body=AdjustmentIn,
    status=201,
    response=LedgerEntry,
)
def adjust_points(ctx: Ctx, contact_id: str) -> Reply:
    """An admin's correction with its reason. With an ``Idempotency-Key`` it is its cause,
    so a retry, however late, adjusts once (answered 200 with the entry made first)."""
    from loyalty.ledger.usecases import adjust

    data: AdjustmentIn = ctx.body
    key = ctx.header("idempotency-key")
    cause_id = f"adjust:{key}" if key else f"adjust:{uuid.uuid4().hex}"
    books = bootstrap.books()
    posting = adjust(books, contact_id, data.points, reason=data.reason, by=ctx.principal.subject, cause_id=cause_id)
    if posting is None or posting.entry is None:
        return Reply(_entry_of(contact_id, cause_id), 200)
    return Reply(posting.entry, 201)


def _entry_of(contact_id: str, cause_id: str) -> LedgerEntry:
    """The entry an earlier posting of this cause made."""
    repo = bootstrap.ledger_repository()
    cause = repo.cause(contact_id, cause_id)
    if cause is None:
        raise not_found("adjustment", cause_id)
    return repo.entry(contact_id, int(cause["seq"]))
