"""Performance counters and quotas in the pipeline table (pynamodb): the only module that
maps them. A counter is one item per rep and month; each event is counted once, by a marker
(``PERF#<rep>``/``COUNTED#<event id>``, 30 days) written in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from pipeline import SERVICE
from pipeline.opportunities.repository import from_e4, to_e4
from pipeline.performance.models import Counts, Quota
from pipeline.table.keys import PERF_PREFIX, counted_key, perf_key, quota_key
from shared.items import KeyedItem
from shared.table import table_meta, transaction, transaction_conflict

KEPT = timedelta(days=30)


class PerfItem(KeyedItem):
    """pk ``PERF#<rep>``, sk ``MONTH#<yyyy-mm>``."""

    Meta = table_meta(SERVICE)
    leads = NumberAttribute(default=0)
    converted = NumberAttribute(default=0)
    contact_minutes = ListAttribute(of=NumberAttribute, default=list)
    won = NumberAttribute(default=0)
    lost = NumberAttribute(default=0)
    revenue = NumberAttribute(default=0)  # ten-thousandths
    cycle_days = NumberAttribute(default=0)


class QuotaItem(KeyedItem):
    """pk ``PERF#<rep>``, sk ``QUOTA#<yyyy-mm>``."""

    Meta = table_meta(SERVICE)
    amount = UnicodeAttribute()


class CountedItem(KeyedItem):
    Meta = table_meta(SERVICE)
    expires_at = NumberAttribute()


class PerformanceRepository:
    def count(self, rep_id: str, month: str, event_id: str, at: datetime, **add: int | Decimal) -> bool:
        """Add to a rep's month once per event (False: counted before). ``add``: counter ->
        amount (``revenue`` a Decimal; ``contact_minutes`` appends one duration)."""
        actions: list[Action] = []
        for name, value in add.items():
            if name == "contact_minutes":
                listed = PerfItem.contact_minutes | []  # if_not_exists: the month's first duration
                actions.append(PerfItem.contact_minutes.set(listed.append([int(value)])))
            elif name == "revenue":
                actions.append(PerfItem.revenue.add(to_e4(Decimal(value))))
            else:
                actions.append(getattr(PerfItem, name).add(int(value)))
        marker = CountedItem(*counted_key(rep_id, event_id), expires_at=int((at + KEPT).timestamp()))
        try:
            with transaction() as tx:
                tx.save(marker, condition=CountedItem.pk.does_not_exist())
                tx.update(PerfItem(*perf_key(rep_id, month)), actions=actions)
        except TransactWriteError as exc:
            if transaction_conflict(exc):
                return False
            raise
        return True

    def months(self, rep_id: str, first: str, last: str) -> dict[str, Counts]:
        """The rep's counters and quotas from month ``first`` to ``last`` (one query)."""
        out: dict[str, Counts] = {}
        for item in PerfItem.query(PERF_PREFIX + rep_id, PerfItem.sk.between(f"MONTH#{first}", f"MONTH#{last}")):
            out[item.sk.removeprefix("MONTH#")] = Counts(
                leads=int(item.leads),
                converted=int(item.converted),
                contact_minutes=[int(m) for m in cast(list[float], item.contact_minutes or [])],
                won=int(item.won),
                lost=int(item.lost),
                revenue=from_e4(item.revenue),
                cycle_days=int(item.cycle_days),
            )
        for quota in QuotaItem.query(PERF_PREFIX + rep_id, QuotaItem.sk.between(f"QUOTA#{first}", f"QUOTA#{last}")):
            month = quota.sk.removeprefix("QUOTA#")
            out.setdefault(month, Counts()).quota = Decimal(quota.amount)
        return out

    def put_quota(self, quota: Quota) -> None:
        QuotaItem(*quota_key(quota.rep_id, quota.month), amount=str(quota.amount)).save()

    def quotas(self, rep_id: str) -> list[Quota]:
        items = QuotaItem.query(PERF_PREFIX + rep_id, QuotaItem.sk.startswith("QUOTA#"))
        return [Quota(rep_id=rep_id, month=i.sk.removeprefix("QUOTA#"), amount=Decimal(i.amount)) for i in items]
