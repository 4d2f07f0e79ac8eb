"""The members feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.members.models import MemberIn, MemberView
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.reach import guard, not_found

router = Router()

ENROLLERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER, Role.AGENT})


@router.route("/members", methods=["POST"], roles=ENROLLERS, body=MemberIn, status=201, response=MemberView, also=[200])
def enrol_member(ctx: Ctx) -> Reply:
    """Enrol a contact (201), or answer the member it is already (200)."""
    from loyalty.members.usecases import enrol, view

    data: MemberIn = ctx.body
    books = bootstrap.books()
    _, enrolled = enrol(books, data.contact_id, cause_id="signup", occurred_at=books.clock(), birthday=data.birthday)
    return Reply(view(books, data.contact_id), 201 if enrolled else 200)


@router.route("/members/{contact_id}", roles=STAFF)
def get_member(ctx: Ctx, contact_id: str) -> MemberView:
    from loyalty.members.usecases import view

    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return view(bootstrap.books(), contact_id)
