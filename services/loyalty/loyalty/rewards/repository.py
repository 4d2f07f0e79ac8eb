"""Rewards in the loyalty table (pynamodb): the only module that maps them, and the items
a redemption adds to the ledger's posting (stock, the member's count of the reward).

Stock and counts live apart from the body, so a redemption moves them with ADD under a
condition (never read-then-write) and an edit of the body does not race with it; an edit
of the stock itself is guarded by the stock read, so a redemption meanwhile makes it stale.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from loyalty import SERVICE
from loyalty.rewards.models import LIMIT_TAG, STOCK_TAG, Reward
from loyalty.table.keys import REWARD_PREFIX, REWARDS, redeemed_key, reward_key
from shared.errors import StaleVersion
from shared.items import KeyedItem
from shared.table import MixedTransaction, is_conditional_failure, table_meta


class RewardItem(KeyedItem):
    """pk ``REWARDS``, sk ``REWARD#<id>``."""

    Meta = table_meta(SERVICE)
    stock = NumberAttribute()
    redeemed = NumberAttribute(default=0)
    version = NumberAttribute()
    body = JSONAttribute()


class RedeemedItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``REDEEMED#<reward id>``: how often the member took it."""

    Meta = table_meta(SERVICE)
    times = NumberAttribute(default=0)


def _reward(item: RewardItem) -> Reward:
    counts = {"stock": int(item.stock), "redeemed": int(item.redeemed), "version": int(item.version)}
    return Reward.model_validate({**item.body, **counts})


def _body(reward: Reward) -> dict[str, Any]:
    return reward.model_dump(mode="json", exclude={"stock", "redeemed", "version"})


class RewardRepository:
    def get(self, reward_id: str) -> Reward | None:
        try:
            return _reward(RewardItem.get(*reward_key(reward_id), consistent_read=True))
        except DoesNotExist:
            return None

    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Reward], dict[str, Any] | None]:
        results = RewardItem.query(
            REWARDS, RewardItem.sk.startswith(REWARD_PREFIX), limit=limit, last_evaluated_key=start
        )
        return [_reward(i) for i in results], results.last_evaluated_key

    def add(self, reward: Reward) -> None:
        item = RewardItem(*reward_key(reward.id), stock=reward.stock, redeemed=0, version=1, body=_body(reward))
        try:
            item.save(condition=RewardItem.pk.does_not_exist())
        except PutError as exc:
            if is_conditional_failure(exc):
                raise StaleVersion(f"reward {reward.id} exists already") from exc
            raise

    def update(self, reward: Reward, read: Reward) -> None:
        """The edited reward over the version read; its stock only if the stock read is still there."""
        item = RewardItem(*reward_key(reward.id))
        condition = RewardItem.version == read.version
        actions: list[Action] = [RewardItem.body.set(_body(reward)), RewardItem.version.set(reward.version)]
        if reward.stock != read.stock:
            condition &= RewardItem.stock == read.stock
            actions.append(RewardItem.stock.set(reward.stock))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if is_conditional_failure(exc):
                raise StaleVersion(
                    f"reward {reward.id} changed meanwhile (an edit or a redemption): read it again"
                ) from exc
            raise

    def take_items(self, reward: Reward, contact_id: str) -> list[Any]:
        """One unit of stock (tag ``stock``) and one of the member's allowance (tag
        ``limit``), as functions of the redemption's transaction."""

        def add(tx: MixedTransaction) -> None:
            item = RewardItem(*reward_key(reward.id))
            tx.update(
                item,
                actions=[RewardItem.stock.add(-1), RewardItem.redeemed.add(1)],
                condition=RewardItem.stock > 0,
                tag=STOCK_TAG,
            )
            if reward.per_member_limit is not None:
                mine = RedeemedItem(*redeemed_key(contact_id, reward.id))
                under = RedeemedItem.times.does_not_exist() | (RedeemedItem.times < reward.per_member_limit)
                tx.update(mine, actions=[RedeemedItem.times.add(1)], condition=under, tag=LIMIT_TAG)

        return [add]
