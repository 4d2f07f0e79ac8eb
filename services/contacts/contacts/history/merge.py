"""The 360 metrics across a contact's life events that are not orders: a merge brings two
histories together, an erasure removes one.

Merge (on ContactsMerged): the winner's METRICS are recomputed from the orders, refunds
and interactions recorded under both contacts (ORDER#/REFUND#/INTERACTION# items, one key-condition query per
kind and partition, never a scan). Reading the loser's partition too makes the result
right whether or not the merge has finished copying the loser's items to the winner
(ContactsMerged is published before the copy). One transaction then writes the winner's
METRICS (conditioned on its version), deletes the loser's, moves both last-purchase day
index entries, corrects the analytics totals (one person counted twice becomes one) and
queues ContactMetricsUpdated for the winner, so segments and other services follow. A
redelivery finds the loser's METRICS gone and the winner's already equal: nothing to do.

Erasure: the METRICS item and its day-index entry go together, before the partition is
purged; an active customer leaves the active count as a lapse on the day of erasure
(revenue and the count of customers who ever bought are anonymous and stay).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from contacts.history.metrics import Metrics, rebuilt
from contacts.history.usecases import Counters, VersionConflict, metrics_event
from shared.errors import Conflict
from shared.events import EventMetadata, Outgoing, follow_up, new_event

WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class MetricsMove:
    """One contact's METRICS item: replaced (``after``) or deleted (None), conditioned on
    the version read, with its last-purchase day index entry moved alongside."""

    contact_id: str
    version: int  # as read: 0 = no item yet
    after: Metrics | None
    index_delete: date | None = None
    index_put: date | None = None


@dataclass
class MetricsCommit:
    moves: list[MetricsMove]
    counters: Counters = field(default_factory=Counters)
    events: list[Outgoing] = field(default_factory=list)


class MetricsRelease(Protocol):
    def metrics(self, contact_id: str) -> Metrics | None: ...
    def commit_metrics(self, commit: MetricsCommit) -> None: ...  # VersionConflict when stale


class MergeMetricsStore(MetricsRelease, Protocol):
    def purchases(self, contact_id: str) -> list[dict[str, Any]]: ...  # ORDER#/REFUND#/INTERACTION# items


def _day(metrics: Metrics | None) -> date | None:
    return metrics.last_purchase_at.date() if metrics and metrics.last_purchase_at else None


def _time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def combined(contact_id: str, items: list[dict[str, Any]]) -> Metrics:
    """The aggregates of these ORDER#/REFUND#/INTERACTION# items (an id counts once)."""
    by_key = {str(i["sk"]): i for i in items}
    orders = [
        (Decimal(str(i["amount"])), str(i["currency"]), _time(i["occurred_at"]))
        for sk, i in by_key.items()
        if sk.startswith("ORDER#")
    ]
    refunds = [(Decimal(str(i["amount"])), str(i["currency"])) for sk, i in by_key.items() if sk.startswith("REFUND#")]
    interactions = [
        (_time(i["occurred_at"]), i.get("direction") == "inbound")
        for sk, i in by_key.items()
        if sk.startswith("INTERACTION#")
    ]
    return rebuilt(contact_id, orders, refunds, interactions)


def merge_write(
    winner: Metrics | None, loser: Metrics | None, recomputed: Metrics, today: date, events: list[Outgoing]
) -> MetricsCommit | None:
    """What the merge changes (pure); None when it is already reflected."""
    if loser is None and (winner or Metrics(recomputed.contact_id)).same_aggregates(recomputed):
        return None
    after = replace(recomputed.scored(today), version=winner.version if winner else 0)
    after = replace(after, active=after.is_active_on(today))
    counters = Counters()
    if winner and loser and winner.first_purchase_at and loser.first_purchase_at:
        # One customer, not two: the later "first purchase" was a repeat order after all.
        counters.totals(customers=-1)
        counters.day(max(winner.first_purchase_at, loser.first_purchase_at).date(), new_customers=-1)
    was_active = bool(winner and winner.active) or bool(loser and loser.active)
    if winner and winner.active and loser and loser.active:
        counters.totals(active_customers=-1)  # the same person was counted active twice
    if was_active and not after.active:
        counters.day(today, lapsed=1)
        counters.totals(active_customers=-1)
    elif after.active and not was_active:
        counters.day(today, activated=1)
        counters.totals(active_customers=1)
    old_day, new_day = _day(winner), _day(after)
    moves = [
        MetricsMove(
            recomputed.contact_id,
            winner.version if winner else 0,
            after,
            index_delete=old_day if old_day != new_day else None,
            index_put=new_day if old_day != new_day else None,
        )
    ]
    if loser is not None:
        moves.append(MetricsMove(loser.contact_id, loser.version, None, index_delete=_day(loser)))
    return MetricsCommit(moves, counters, events)


def merge_metrics(
    winner_id: str, loser_id: str, store: MergeMetricsStore, today: date, cause: EventMetadata | None = None
) -> Metrics | None:
    """Recompute the winner's metrics after a merge. Returns them, or None when there was
    nothing to change (no orders on either side, or a redelivery)."""
    for _ in range(WRITE_ATTEMPTS):
        winner, loser = store.metrics(winner_id), store.metrics(loser_id)
        # The winner's items last: if the same order id is on both sides, its own version counts.
        items = store.purchases(loser_id) + store.purchases(winner_id)
        recomputed = combined(winner_id, items)
        write = merge_write(winner, loser, recomputed, today, [])
        if write is None:
            return None
        after = write.moves[0].after
        assert after is not None
        event = metrics_event(after)
        write.events = [follow_up(event, cause) if cause else new_event(event)]
        try:
            store.commit_metrics(write)
        except VersionConflict:
            continue  # an order landed meanwhile: recompute from it
        return after
    raise Conflict(f"the metrics of contact {winner_id} kept changing; try again")


def release_metrics(contact_id: str, store: MetricsRelease, today: date) -> bool:
    """Erasure: the METRICS item and its day-index entry go. True when something went."""
    for _ in range(WRITE_ATTEMPTS):
        metrics = store.metrics(contact_id)
        if metrics is None:
            return False
        counters = Counters()
        if metrics.active:
            counters.day(today, lapsed=1)
            counters.totals(active_customers=-1)
        move = MetricsMove(contact_id, metrics.version, None, index_delete=_day(metrics))
        try:
            store.commit_metrics(MetricsCommit([move], counters))
        except VersionConflict:
            continue
        return True
    raise Conflict(f"the metrics of contact {contact_id} kept changing; try again")
