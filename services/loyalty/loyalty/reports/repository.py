"""The reports' counters in the loyalty table (table/keys.py), the only module of the
feature that talks to DynamoDB. One transaction per counted event: its marker (so a
redelivery changes nothing) and every ADD commit together."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from loyalty import SERVICE
from loyalty.reports.models import Count, DayCounts
from loyalty.table import keys
from shared.items import KeyedItem
from shared.table import MixedTransaction, table_meta

if TYPE_CHECKING:
    from pynamodb.expressions.update import Action

COUNTED_TTL_SECONDS = 30 * 24 * 3600  # longer than any redelivery of the bus and the queue
# A month's activity marker outlives its month, so a late event of that month finds it.
ACTIVE_TTL_SECONDS = 400 * 24 * 3600
DAY_FIELDS: tuple[str, ...] = ("earned", "redeemed", "expired", "reversed", "adjusted", "enrolled", "active")
DAY_FIELDS += ("coupons_issued", "coupons_redeemed")


class ReportItem(KeyedItem):
    """A counter item: a day, a day's reward, the totals, a tier, or a marker."""

    Meta = table_meta(SERVICE)
    earned = NumberAttribute(null=True)
    redeemed = NumberAttribute(null=True)
    expired = NumberAttribute(null=True)
    reversed = NumberAttribute(null=True)
    adjusted = NumberAttribute(null=True)
    enrolled = NumberAttribute(null=True)
    active = NumberAttribute(null=True)
    coupons_issued = NumberAttribute(null=True)
    coupons_redeemed = NumberAttribute(null=True)
    reward_id = UnicodeAttribute(null=True)
    uses = NumberAttribute(null=True)
    points = NumberAttribute(null=True)
    outstanding = NumberAttribute(null=True)
    members = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def _item(key: tuple[str, str]) -> ReportItem:
    return ReportItem(pk=key[0], sk=key[1])


class ReportsRepository:
    def count(self, event_id: str, count: Count) -> bool:
        """Apply ``count`` once for ``event_id``: False when it was counted already. A member
        already active this month (its marker there): the same count, without the activity."""
        from pynamodb.exceptions import TransactWriteError

        while True:
            tx = self._transaction(event_id, count)
            try:
                tx.commit()
                return True
            except TransactWriteError as exc:
                failed = tx.failed(exc)
                if "counted" in failed:
                    return False
                if "active" not in failed or count.active_contact is None:
                    raise
                count = replace(count, active_contact=None)

    def _transaction(self, event_id: str, count: Count) -> MixedTransaction:
        now = int(time.time())
        tx = MixedTransaction()
        marker = _item(keys.counted_key(event_id))
        marker.expires_at = now + COUNTED_TTL_SECONDS
        tx.save(marker, condition=ReportItem.pk.does_not_exist(), tag="counted")
        day = dict(count.day)
        if count.active_contact:
            active = _item(keys.report_active_key(count.day_of, count.active_contact))
            active.expires_at = now + ACTIVE_TTL_SECONDS
            tx.save(active, condition=ReportItem.pk.does_not_exist(), tag="active")
            day["active"] = 1
        if day:
            actions: list[Action] = [getattr(ReportItem, name).add(n) for name, n in day.items()]
            tx.update(_item(keys.report_day_key(count.day_of)), actions)
        if count.reward_id:
            reward = _item(keys.report_reward_key(count.day_of, count.reward_id))
            uses = [ReportItem.reward_id.set(count.reward_id), ReportItem.uses.add(1)]
            tx.update(reward, [*uses, ReportItem.points.add(count.reward_points)])
        if count.outstanding:
            tx.update(_item(keys.report_totals_key()), [ReportItem.outstanding.add(count.outstanding)])
        for tier, n in count.tiers.items():
            tx.update(_item(keys.report_tier_key(tier)), [ReportItem.members.add(n)])
        return tx

    def days(self, start: date, end: date) -> DayCounts:
        """The counters of the days ``start``..``end``: one query per month partition."""
        out = DayCounts()
        month = date(start.year, start.month, 1)
        while month <= end:
            pk = keys.report_day_key(month)[0]
            low, high = keys.report_day_key(start)[1], keys.report_day_key(end)[1] + "~"
            for item in ReportItem.query(pk, ReportItem.sk.between(low, high), consistent_read=True):
                if item.reward_id:
                    uses, points = out.rewards.get(item.reward_id, (0, 0))
                    out.rewards[item.reward_id] = (uses + int(item.uses or 0), points + int(item.points or 0))
                    continue
                for name in DAY_FIELDS:
                    out.totals[name] = out.totals.get(name, 0) + int(getattr(item, name) or 0)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return out

    def running(self) -> tuple[int, dict[str, int]]:
        """Outstanding points and members per tier (one query of the REPORT partition)."""
        outstanding, tiers = 0, {}
        pk = keys.report_totals_key()[0]
        for item in ReportItem.query(pk, consistent_read=True):
            if item.sk == keys.report_totals_key()[1]:
                outstanding = int(item.outstanding or 0)
            elif item.sk.startswith("TIER#"):
                tiers[item.sk.removeprefix("TIER#")] = int(item.members or 0)
        return outstanding, tiers
