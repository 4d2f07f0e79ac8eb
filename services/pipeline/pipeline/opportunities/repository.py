"""Opportunities in the pipeline table (pynamodb): the only module that maps the
opportunity, its history and the board and forecast counters.

Every write is one transaction: the opportunity (guarded by its version), its history
entry, the counters it moves (the board's per owner and stage; the forecast's per owner,
close month and category) and its events. Counters hold amounts in ten-thousandths (an
integer ADD is exact), so board and forecast numbers are read from a few counters, never
by summing deals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from pipeline import SERVICE
from pipeline.opportunities.models import HistoryEntry, Opportunity, OpportunityStatus, plain
from pipeline.table.items import ByOwner, OutboxRecord
from pipeline.table.keys import (
    BOARD_PREFIX,
    FORECAST_PREFIX,
    HISTORY_PREFIX,
    OPPORTUNITY_SK,
    board_key,
    forecast_key,
    history_key,
    opportunity_key,
)
from shared.errors import Conflict, StaleVersion
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import transaction_with_events
from shared.table import table_meta

E4 = Decimal(10_000)


def to_e4(amount: Decimal) -> int:
    return int((amount * E4).to_integral_value(ROUND_HALF_EVEN))


def from_e4(value: int | float) -> Decimal:
    return plain(Decimal(int(value)) / E4)


class OpportunityItem(KeyedItem):
    """pk ``OPP#<id>``, sk ``OPP``."""

    Meta = table_meta(SERVICE)
    contact_id = UnicodeAttribute()
    name = UnicodeAttribute()
    amount = UnicodeAttribute()  # a decimal's text: exact, as pynamodb numbers are floats
    currency = UnicodeAttribute()
    products = ListAttribute(of=UnicodeAttribute, default=list)
    expected_close_date = UnicodeAttribute()  # ISO date: compares as text
    owner_id = UnicodeAttribute()
    team_id = UnicodeAttribute(null=True, attr_name="owner_team")  # kept out of the by_team index
    stage = UnicodeAttribute()
    probability = NumberAttribute()
    forecast_category = UnicodeAttribute()
    status = UnicodeAttribute()
    lost_reason = UnicodeAttribute(null=True)
    discount_percent = UnicodeAttribute(default="0")
    approval_pending = BooleanAttribute(default=False)
    approved_discount = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    won_at = UTCDateTimeAttribute(null=True)
    lost_at = UTCDateTimeAttribute(null=True)
    version = NumberAttribute()
    by_owner = ByOwner()


class HistoryItem(KeyedItem):
    """pk ``OPP#<id>``, sk ``HISTORY#<at iso>#<version>``."""

    Meta = table_meta(SERVICE)
    at = UTCDateTimeAttribute()
    by = UnicodeAttribute()
    kind = UnicodeAttribute()
    changes = JSONAttribute()


class CounterItem(KeyedItem):
    """pk ``BOARD#<owner>`` sk ``<stage>``, or pk ``FORECAST#<owner>`` sk ``<yyyy-mm>#<bucket>``."""

    Meta = table_meta(SERVICE)
    deals = NumberAttribute(default=0)
    amount = NumberAttribute(default=0)  # ten-thousandths
    weighted = NumberAttribute(default=0)  # ten-thousandths


def _opportunity(item: OpportunityItem) -> Opportunity:
    values = {**fields_of(item), "id": item.pk.split("#", 1)[1]}
    return Opportunity.model_validate(values)


def _item(opp: Opportunity) -> OpportunityItem:
    return item_of(
        OpportunityItem,
        *opportunity_key(opp.id),
        opp,
        amount=str(opp.amount),
        discount_percent=str(opp.discount_percent),
        approved_discount=None if opp.approved_discount is None else str(opp.approved_discount),
        expected_close_date=opp.expected_close_date.isoformat(),
        status=opp.status.value,
    )


Counts = dict[tuple[str, str], tuple[int, int, int]]  # key -> (count, amount, weighted), in e4


def contributions(opp: Opportunity) -> Counts:
    """What the deal adds to the counters: its board column, and its forecast bucket (open:
    its close month and category; won: the month it was won; lost: none)."""
    amount = to_e4(opp.amount)
    counts: Counts = {board_key(opp.owner_id, opp.stage): (1, amount, 0)}
    if opp.status is OpportunityStatus.OPEN:
        key = forecast_key(opp.owner_id, opp.expected_close_date.isoformat()[:7], opp.forecast_category)
        counts[key] = (1, amount, to_e4(opp.weighted))
    elif opp.status is OpportunityStatus.WON and opp.won_at is not None:
        counts[forecast_key(opp.owner_id, opp.won_at.date().isoformat()[:7], "won")] = (1, amount, amount)
    return counts


def _deltas(before: Opportunity | None, after: Opportunity) -> Counts:
    deltas: dict[tuple[str, str], list[int]] = {}
    for sign, opp in ((-1, before), (1, after)):
        for key, values in (contributions(opp) if opp else {}).items():
            total = deltas.setdefault(key, [0, 0, 0])
            for i, value in enumerate(values):
                total[i] += sign * value
    return {key: (c, a, w) for key, (c, a, w) in deltas.items() if (c, a, w) != (0, 0, 0)}


def _count(tx: TransactWrite, before: Opportunity | None, after: Opportunity) -> None:
    for (pk, sk), (count, amount, weighted) in _deltas(before, after).items():
        actions: list[Action] = [
            CounterItem.deals.add(count),
            CounterItem.amount.add(amount),
            CounterItem.weighted.add(weighted),
        ]
        tx.update(CounterItem(pk, sk), actions=actions)


def _history(tx: TransactWrite, opp: Opportunity, entry: HistoryEntry) -> None:
    changes = [c.model_dump(mode="json") for c in entry.changes]
    item = HistoryItem(*history_key(opp.id, entry.at, opp.version), at=entry.at, by=entry.by, kind=entry.kind)
    item.changes = changes
    tx.save(item)


def approval_opened(tx: TransactWrite, opportunity_id: str) -> None:
    """A transaction item of the approvals feature: an open deal, none pending, now pending."""
    tx.update(
        OpportunityItem(*opportunity_key(opportunity_id)),
        actions=[OpportunityItem.approval_pending.set(True), OpportunityItem.version.add(1)],
        condition=(OpportunityItem.status == OpportunityStatus.OPEN.value)
        & (OpportunityItem.approval_pending == False),  # noqa: E712  # a pynamodb condition, not a bool test
    )


def approval_closed(tx: TransactWrite, opportunity_id: str, approved_discount: Decimal | None) -> None:
    """The chain ended: the deal may be won (with the discount approved, if it was)."""
    actions: list[Action] = [OpportunityItem.approval_pending.set(False), OpportunityItem.version.add(1)]
    if approved_discount is not None:
        actions.append(OpportunityItem.approved_discount.set(str(approved_discount)))
    tx.update(OpportunityItem(*opportunity_key(opportunity_id)), actions=actions)


class OpportunitiesRepository:
    def get(self, opportunity_id: str) -> Opportunity | None:
        try:
            return _opportunity(OpportunityItem.get(*opportunity_key(opportunity_id), consistent_read=True))
        except DoesNotExist:
            return None

    def create(self, opp: Opportunity, entry: HistoryEntry, events: list[Outgoing]) -> None:
        with transaction_with_events(OutboxRecord, events, conflict=f"opportunity {opp.id} exists") as tx:
            tx.save(_item(opp), condition=OpportunityItem.pk.does_not_exist())
            _history(tx, opp, entry)
            _count(tx, None, opp)

    def update(self, before: Opportunity, after: Opportunity, entry: HistoryEntry, events: list[Outgoing]) -> None:
        """StaleVersion when the deal changed since ``before`` was read."""
        try:
            with transaction_with_events(OutboxRecord, events, conflict="stale") as tx:
                tx.save(_item(after), condition=OpportunityItem.version == before.version)
                _history(tx, after, entry)
                _count(tx, before, after)
        except Conflict as exc:
            raise StaleVersion(f"opportunity {before.id} changed meanwhile: read it again") from exc

    def owned_page(
        self,
        owner_id: str,
        limit: int,
        start: dict[str, Any] | None,
        stage: str | None,
        close: tuple[date | None, date | None],
    ) -> tuple[list[Opportunity], dict[str, Any] | None]:
        """One owner's deals (the by_owner index), filtered by stage and close date range."""
        condition: Any = None
        if stage is not None:
            condition = OpportunityItem.stage == stage
        for bound, op in ((close[0], "ge"), (close[1], "le")):
            if bound is not None:
                attr = OpportunityItem.expected_close_date
                term = attr >= bound.isoformat() if op == "ge" else attr <= bound.isoformat()
                condition = term if condition is None else condition & term
        results = OpportunityItem.by_owner.query(
            owner_id,
            OpportunityItem.sk == OPPORTUNITY_SK,
            filter_condition=condition,
            limit=limit,
            last_evaluated_key=start,
        )
        items = [_opportunity(i) for i in results]
        return items, results.last_evaluated_key

    def history(self, opportunity_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[HistoryEntry], Any]:
        pk = opportunity_key(opportunity_id)[0]
        results = HistoryItem.query(
            pk, HistoryItem.sk.startswith(HISTORY_PREFIX), limit=limit, last_evaluated_key=start, consistent_read=True
        )
        entries = [HistoryEntry.model_validate(fields_of(i)) for i in results]
        return entries, results.last_evaluated_key

    def board_counts(self, owners: Iterable[str]) -> dict[str, tuple[int, Decimal]]:
        """Per stage: how many deals and their amount, over ``owners`` (one query each)."""
        totals: dict[str, list[int]] = {}
        for owner in owners:
            for item in CounterItem.query(BOARD_PREFIX + owner):
                total = totals.setdefault(item.sk, [0, 0])
                total[0] += int(item.deals)
                total[1] += int(item.amount)
        return {stage: (count, from_e4(amount)) for stage, (count, amount) in totals.items()}

    def forecast_counts(self, owner: str, first: str, last: str) -> list[tuple[str, str, int, Decimal, Decimal]]:
        """An owner's forecast buckets from month ``first`` to ``last`` (``yyyy-mm``):
        (month, bucket, count, amount, weighted)."""
        condition = CounterItem.sk.between(first, last + "~")
        return [
            (*item.sk.split("#", 1), int(item.deals), from_e4(item.amount), from_e4(item.weighted))  # type: ignore[misc]
            for item in CounterItem.query(FORECAST_PREFIX + owner, condition)
        ]
