"""The rewards feature's HTTP routes: the catalogue, and a member's redemptions."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.rewards.models import Redemption, RedemptionIn, Reward, RewardIn, RewardPage, RewardPatch
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, etag, parse_if_match
from shared.reach import guard, not_found

router = Router()

CURATORS = frozenset({Role.ADMIN, Role.MARKETER})  # who keeps the catalogue
REDEEMERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER, Role.AGENT})  # at a desk, for a member


@router.route("/rewards", methods=["POST"], roles=CURATORS, body=RewardIn, status=201, response=Reward)
def add_reward(ctx: Ctx) -> Reply:
    from loyalty.rewards.usecases import add_reward as add

    reward = add(ctx.body, bootstrap.rewards())
    return Reply(reward, 201, etag(reward.version))


@router.route("/rewards", roles=STAFF, query=PageQuery)
def list_rewards(ctx: Ctx) -> RewardPage:
    from loyalty.rewards.usecases import rewards_page

    params: PageQuery = ctx.params
    return rewards_page(bootstrap.rewards(), params.limit, params.cursor)


@router.route("/rewards/{reward_id}", roles=STAFF, response=Reward)
def get_reward(ctx: Ctx, reward_id: str) -> Reply:
    from loyalty.rewards.usecases import get_reward as get

    reward = get(reward_id, bootstrap.rewards())
    return Reply(reward, 200, etag(reward.version))


@router.route("/rewards/{reward_id}", methods=["PATCH"], roles=CURATORS, body=RewardPatch, response=Reward)
def update_reward(ctx: Ctx, reward_id: str) -> Reply:
    from loyalty.rewards.usecases import update_reward as update

    version = parse_if_match(ctx.header("if-match"), f"reward {reward_id}")
    reward = update(reward_id, ctx.body, version, bootstrap.rewards())
    return Reply(reward, 200, etag(reward.version))


@router.route(
    "/members/{contact_id}/redemptions",
    methods=["POST"],
    roles=REDEEMERS,
    body=RedemptionIn,
    status=201,
    response=Redemption,
    also=[200],
)
def redeem(ctx: Ctx, contact_id: str) -> Reply:
    """Points for a reward's coupon (201); 409 with the ``reason`` when refused. With an
    ``Idempotency-Key``, a retry answers 200 with the coupon issued first."""
    from loyalty.rewards.usecases import redeem_reward

    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    data: RedemptionIn = ctx.body
    redemption, now = redeem_reward(
        bootstrap.books(),
        bootstrap.rewards(),
        bootstrap.coupons(),
        contact_id,
        data.reward_id,
        key=ctx.header("idempotency-key"),
    )
    return Reply(redemption, 201 if now else 200)
