"""What the rewards feature does (the catalogue, and redeeming a reward for a coupon).

A redemption is one ledger posting (loyalty.ledger.usecases.spend) that also takes a unit
of stock, one of the member's allowance and writes the coupon: the balance check, the stock
and the limit hold together under concurrency, and a refusal says which one broke.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from loyalty.coupons.models import Coupon, CouponSource, CouponTerms
from loyalty.coupons.usecases import CouponStore, code_for, coupon_of, issued_event, random_code
from loyalty.events import RewardRedeemed
from loyalty.ledger.models import Refused
from loyalty.ledger.ports import Books
from loyalty.ledger.postings import Insufficient
from loyalty.ledger.usecases import spend
from loyalty.members.models import Member
from loyalty.rewards.models import LIMIT_TAG, STOCK_TAG, Redemption, Reward, RewardIn, RewardPage, RewardPatch
from shared.errors import Conflict, StaleVersion, Unprocessable
from shared.events import Outgoing, new_event
from shared.inputs import patched
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found


class RewardStore(Protocol):
    def get(self, reward_id: str) -> Reward | None: ...
    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Reward], dict[str, Any] | None]: ...
    def add(self, reward: Reward) -> None: ...
    def update(self, reward: Reward, read: Reward) -> None: ...
    def take_items(self, reward: Reward, contact_id: str) -> list[Any]: ...


def _now() -> datetime:
    return datetime.now(UTC)


def add_reward(data: RewardIn, repo: RewardStore) -> Reward:
    now = _now()
    reward = Reward(**data.model_dump(), id=uuid.uuid4().hex[:12], created_at=now, updated_at=now)
    repo.add(reward)
    return reward


def get_reward(reward_id: str, repo: RewardStore) -> Reward:
    reward = repo.get(reward_id)
    if reward is None:
        raise not_found("reward", reward_id)
    return reward


def rewards_page(repo: RewardStore, limit: int, cursor: str | None) -> RewardPage:
    of = "loyalty/rewards"
    rewards, last = repo.page(limit, decode_cursor(cursor, of=of))
    return RewardPage(items=rewards, next_cursor=encode_cursor(last, of=of))


def update_reward(reward_id: str, patch: RewardPatch, if_match: int, repo: RewardStore) -> Reward:
    """PATCH: the reward with the fields sent, checked again as a whole."""
    reward = get_reward(reward_id, repo)
    if reward.version != if_match:
        raise StaleVersion(f"reward {reward_id} is at version {reward.version}", current_version=reward.version)
    checked = patched(reward, patch, RewardIn)
    updated = Reward(
        **checked.model_dump(),
        id=reward.id,
        redeemed=reward.redeemed,
        created_at=reward.created_at,
        updated_at=_now(),
        version=reward.version + 1,
    )
    repo.update(updated, reward)
    return updated


def _redemption(cause_id: str, reward: Reward, coupon: Coupon, balance: int | None) -> Redemption:
    return Redemption(
        redemption_id=cause_id,
        contact_id=coupon.contact_id or "",
        reward_id=reward.id,
        reward_name=reward.name,
        points=reward.points_cost,
        balance=balance,
        coupon=coupon,
        redeemed_at=coupon.issued_at,
    )


def redeem_reward(
    books: Books,
    rewards: RewardStore,
    coupons: CouponStore,
    contact_id: str,
    reward_id: str,
    *,
    key: str | None = None,
) -> tuple[Redemption, bool]:
    """Spend the reward's points for its coupon: True when redeemed now, False for a retry
    with the same ``Idempotency-Key`` (answered with the coupon issued then). 409 with the
    reason: ``insufficient_points``, ``out_of_stock``, ``limit_reached``, ``unavailable``."""
    reward = rewards.get(reward_id)
    if reward is None:
        raise Unprocessable("no such reward", errors=[{"field": "reward_id", "message": f"no reward {reward_id}"}])
    # A key's redemption has one cause and one coupon code, so a retry finds what it made.
    cause_id = f"redeem:{key}" if key else f"redeem:{uuid.uuid4().hex}"
    code = code_for(f"{contact_id}:{cause_id}") if key else random_code()
    earlier = coupons.get(code) if key else None
    if earlier is not None:
        return _redemption(cause_id, reward, earlier, None), False
    now = books.clock()
    if not reward.available_on(now.date()):
        raise Conflict(f"reward {reward.name} is no longer offered", reason="unavailable")
    if reward.stock <= 0:
        raise Conflict(f"reward {reward.name} is out of stock", reason="out_of_stock")
    terms = CouponTerms(
        kind=reward.kind, value=reward.value, expires_at=(now + timedelta(reward.coupon_valid_days)).date()
    )
    issued: dict[str, Coupon] = {}

    def extras(member: Member) -> tuple[list[Any], list[Outgoing]]:
        coupon = coupon_of(
            terms,
            code=code,
            source=CouponSource.REDEMPTION,
            source_id=cause_id,
            issued_at=now,
            contact_id=member.contact_id,
            reward_id=reward.id,
            points=reward.points_cost,
        )
        issued["coupon"] = coupon
        redeemed = RewardRedeemed(
            contact_id=member.contact_id,
            reward_id=reward.id,
            reward_name=reward.name,
            points=reward.points_cost,
            coupon_code=code,
        )
        items = rewards.take_items(reward, member.contact_id) + coupons.issue_items(coupon)
        return items, [new_event(redeemed), issued_event(coupon)]

    try:
        posting = spend(
            books,
            contact_id,
            reward.points_cost,
            reason=f"reward: {reward.name}",
            cause_id=cause_id,
            reward_id=reward.id,
            extras=extras,
        )
    except Insufficient as exc:
        raise Conflict(exc.detail, reason="insufficient_points") from None
    except Refused as exc:
        if STOCK_TAG in exc.tags:
            raise Conflict(f"reward {reward.name} is out of stock", reason="out_of_stock") from None
        if LIMIT_TAG in exc.tags:
            limit = reward.per_member_limit
            raise Conflict(
                f"this member redeemed {reward.name} {limit} times already", reason="limit_reached"
            ) from None
        raise
    if posting is None:  # the key's redemption won a race with this one
        coupon = coupons.get(code)
        if coupon is None:
            raise Conflict("this redemption is in progress: try again", reason="contended")
        return _redemption(cause_id, reward, coupon, None), False
    return _redemption(cause_id, reward, issued["coupon"], posting.after.points_balance), True
