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
    from loyalty.referrals.usecases import link, referrer_of

    data: MemberIn = ctx.body
    books = bootstrap.books()
    # An unknown code is refused (422) before anything is enrolled.
    referrer = referrer_of(bootstrap.referrals(), data.referral_code) if data.referral_code else None
    now = books.clock()
    _, enrolled = enrol(
        books,
        data.contact_id,
        cause_id="signup",
        occurred_at=now,
        birthday=data.birthday,
        referred_by=referrer if referrer != data.contact_id else None,
    )
    if data.referral_code:
        link(bootstrap.referrals(), data.contact_id, data.referral_code, now)
    return Reply(view(books, data.contact_id), 201 if enrolled else 200)


@router.route("/members/{contact_id}", roles=STAFF)
def get_member(ctx: Ctx, contact_id: str) -> MemberView:
    from loyalty.members.usecases import view

    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return view(bootstrap.books(), contact_id)
