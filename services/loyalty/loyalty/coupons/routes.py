"""The coupons feature's HTTP routes: look-ups for staff, a member's coupons, an admin's
codes and batches, and the one route a partner's checkout calls."""

from __future__ import annotations

from datetime import UTC, datetime

from loyalty import bootstrap
from loyalty.coupons.models import Batch, BatchIn, Coupon, CouponIn, CouponPage, CouponUse, RedeemIn
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery
from shared.reach import guard, not_found

router = Router()

ISSUERS = frozenset({Role.ADMIN, Role.MARKETER})


def _now() -> datetime:
    return datetime.now(UTC)


def _home(contact_id: str) -> str:
    from loyalty.ledger.ports import resolve

    member = resolve(contact_id, bootstrap.ledger_repository())
    return member.contact_id if member is not None else contact_id


@router.route("/coupons", methods=["POST"], roles={Role.ADMIN}, body=CouponIn, status=201, response=Coupon)
def create_coupon(ctx: Ctx) -> Reply:
    from loyalty.coupons.usecases import create_coupon as create

    return Reply(create(ctx.body, ctx.principal.subject, bootstrap.coupons()), 201)


@router.route("/coupons/{code}", roles=STAFF)
def get_coupon(ctx: Ctx, code: str) -> Coupon:
    from loyalty.coupons.usecases import get_coupon as get

    coupon = get(code, bootstrap.coupons(), _now().date())
    if coupon.contact_id is not None:  # a member's coupon is as far out of reach as the member
        guard(ctx.principal, coupon.contact_id, bootstrap.contact_owners, not_found("coupon", code))
    return coupon


@router.route("/members/{contact_id}/coupons", roles=STAFF, query=PageQuery)
def member_coupons(ctx: Ctx, contact_id: str) -> CouponPage:
    from loyalty.coupons.usecases import member_coupons as coupons_of

    params: PageQuery = ctx.params
    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return coupons_of(contact_id, bootstrap.coupons(), params.limit, params.cursor, _now().date())


@router.route(
    "/coupons/{code}/redeem",
    methods=["POST"],
    roles={Role.PARTNER},
    body=RedeemIn,
    status=201,
    response=CouponUse,
    also=[200],
)
def redeem_coupon(ctx: Ctx, code: str) -> Reply:
    """A checkout uses the coupon on an order (201); the same order again answers 200 with
    that use; 409 with the ``reason`` when used up, expired, over the customer's limit."""
    from loyalty.coupons.usecases import redeem

    data: RedeemIn = ctx.body
    use, now = redeem(code, data.order_id, data.contact_id, bootstrap.coupons(), home=_home)
    return Reply(use, 201 if now else 200)


@router.route("/coupons/batches", methods=["POST"], roles=ISSUERS, body=BatchIn, status=202, response=Batch)
def request_batch(ctx: Ctx) -> Reply:
    """One coupon for each member of a segment, issued in the background page by page
    (``GET /coupons/batches/{id}`` follows it)."""
    from loyalty.coupons.usecases import request_batch as request

    return Reply(request(ctx.body, ctx.principal.subject, bootstrap.coupons()), 202)


@router.route("/coupons/batches/{batch_id}", roles=ISSUERS)
def get_batch(ctx: Ctx, batch_id: str) -> Batch:
    from loyalty.coupons.usecases import get_batch as get

    return get(batch_id, bootstrap.coupons())
