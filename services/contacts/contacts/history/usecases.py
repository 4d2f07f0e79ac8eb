"""A contact's history: interactions, orders and refunds, what other services report
about the contact, and the 360 metrics orders keep current. Independent of HTTP and
DynamoDB: the store is passed in (tests use a fake).

An order (or a refund) is one atomic write: the order item (claiming its order_id, so
it is recorded once however often it is delivered), its timeline entry, the contact's
new METRICS, the last-purchase day index, the analytics counters and the outbox events
PurchaseRecorded/PurchaseRefunded + ContactMetricsUpdated. Metrics are read, recomputed
and written back conditionally on their version: a concurrent order retries.

An interaction logged over the API is written the same way: its claim item
(INTERACTION#<ref>, so it counts once), its timeline entry, the METRICS engagement
aggregates (interaction_count, inbound_count, last_engaged_at) and ContactMetricsUpdated,
so segments over engagement re-evaluate the contact.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from contacts.events import ContactMetricsUpdated
from contacts.history.metrics import REPORTING_CURRENCY, Metrics
from contacts.history.models import (
    Direction,
    InteractionIn,
    MetricsOut,
    Page,
    TimelineEntry,
)
from contacts.table.keys import TOTALS_PK, interaction_sk, stats_pk
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.observability import logger
from shared.pagination import decode_cursor, encode_cursor

WRITE_ATTEMPTS = 5


class AlreadyRecorded(Exception):
    """The order (or its refund) is already recorded: a duplicate delivery."""


class ContactMissing(Exception):
    """No contact profile under this id."""


class VersionConflict(Exception):
    """The metrics changed since they were read: read again and retry."""


class Counters:
    """Deltas to ADD to analytics counter items, grouped by item (one update per item:
    a DynamoDB transaction may not touch an item twice)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Decimal]] = defaultdict(dict)

    def add(self, pk: str, **deltas: Decimal | int) -> None:
        for name, delta in deltas.items():
            self.items[pk][name] = self.items[pk].get(name, Decimal(0)) + Decimal(delta)

    def day(self, day: date, **deltas: Decimal | int) -> None:
        self.add(stats_pk(day), **deltas)

    def totals(self, **deltas: Decimal | int) -> None:
        self.add(TOTALS_PK, **deltas)


@dataclass
class HistoryWrite:
    """Everything one order, refund or re-scoring writes, in one transaction."""

    contact_id: str
    metrics: Metrics  # ``version`` = the version read (0: none stored yet)
    events: list[Outgoing]
    counters: Counters = field(default_factory=Counters)
    claim_sk: str | None = None  # ORDER#/REFUND# item, put only if absent
    claim: dict[str, Any] = field(default_factory=dict)
    entry: TimelineEntry | None = None
    index_put: date | None = None  # last-purchase day index entry to add ...
    index_delete: date | None = None  # ... and the one it replaces


class HistoryStore(Protocol):
    def contact_exists(self, contact_id: str) -> bool: ...
    def add_entry(self, contact_id: str, entry: TimelineEntry) -> bool: ...
    def entries(
        self, contact_id: str, limit: int, start: dict[str, Any] | None, kind: str | None = None
    ) -> tuple[list[TimelineEntry], dict[str, Any] | None]: ...
    def metrics(self, contact_id: str) -> Metrics | None: ...
    def commit(self, write: HistoryWrite) -> None: ...
    def claimed_entry(self, contact_id: str, claim_sk: str) -> TimelineEntry | None: ...


def entry_id(at: datetime, kind: str, ref: str) -> str:
    return f"{at.isoformat()}#{kind}#{ref}"


# --- interactions and other services' events -------------------------------------------


def interaction_ref(caller: str, idempotency_key: str | None) -> str:
    """The interaction's id: from the caller's Idempotency-Key when given, so a retry
    (even one the HTTP layer no longer replays: its record expired, or the process died
    after the write but before the response was stored) claims the same item; else new."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    return hashlib.sha256(f"{caller}|{idempotency_key}".encode()).hexdigest()[:32]


def interaction_write(
    contact_id: str, ref: str, entry: TimelineEntry, direction: Direction, before: Metrics
) -> HistoryWrite:
    """What logging one interaction writes, given the contact's metrics before it. The
    derived scores are kept as read: an interaction moves no RFM score (and re-scoring
    here would move the active-customer counters outside the recency job)."""
    after = before.with_interaction(entry.occurred_at, inbound=direction is Direction.INBOUND)
    return HistoryWrite(
        contact_id=contact_id,
        metrics=after,
        events=[],
        claim_sk=interaction_sk(ref),
        # No summary: the claim only says what the metrics counted (a merge re-counts it).
        claim={
            "entry_id": entry.id,
            "direction": direction.value,
            "occurred_at": entry.occurred_at.isoformat(),
        },
        entry=entry,
    )


def log_interaction(
    contact_id: str,
    data: InteractionIn,
    caller: str,
    store: HistoryStore,
    *,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> TimelineEntry:
    """Log an interaction once; a repeat of the same one returns the entry first logged."""
    ref = interaction_ref(caller, idempotency_key)
    entry = TimelineEntry(
        id=entry_id(data.occurred_at, "interaction", ref),
        kind="interaction",
        occurred_at=data.occurred_at,
        source="api",
        by=caller,
        data={"kind": data.kind.value, "direction": data.direction.value, "summary": data.summary},
    )

    def build(before: Metrics) -> HistoryWrite:
        write = interaction_write(contact_id, ref, entry, data.direction, before)
        write.events = [outgoing(metrics_event(write.metrics), None, correlation_id)]
        return write

    try:
        with_retries(contact_id, store, build)
    except ContactMissing:
        raise NotFound(f"contact {contact_id} not found") from None
    except AlreadyRecorded:
        first = store.claimed_entry(contact_id, interaction_sk(ref))
        if first is None:  # claimed, but its entry is gone (an erasure in between)
            raise NotFound(f"contact {contact_id} not found") from None
        return first
    return entry


def record_foreign(
    contact_id: str,
    *,
    kind: str,
    source: str,
    cause: EventMetadata,
    data: dict[str, Any],
    store: HistoryStore,
    interaction: Direction | None = None,
) -> bool:
    """Another service's event about the contact, as a timeline entry keyed by the event id
    (a redelivery writes the same key). Skipped when the contact does not exist here.

    ``interaction``: the event is also an interaction in that direction (a ticket the
    customer opened, an email sent to them) and moves the engagement metrics exactly like
    one logged through the API, counted once per event id."""
    entry = TimelineEntry(
        id=entry_id(cause.occurred_at, kind, cause.event_id),
        kind=kind,
        occurred_at=cause.occurred_at,
        source=source,
        data=data,
    )
    if interaction is None:
        recorded = store.add_entry(contact_id, entry)
    else:
        recorded = _foreign_interaction(contact_id, entry, interaction, cause, store)
    if not recorded:
        # Ids only: the log holds no personal data.
        logger.info("timeline entry skipped: no such contact", extra={"kind": kind, "event_id": cause.event_id})
    return recorded


def _foreign_interaction(
    contact_id: str, entry: TimelineEntry, direction: Direction, cause: EventMetadata, store: HistoryStore
) -> bool:
    ref = hashlib.sha256(f"{entry.source}|{cause.event_id}".encode()).hexdigest()[:32]

    def build(before: Metrics) -> HistoryWrite:
        write = interaction_write(contact_id, ref, entry, direction, before)
        write.events = [outgoing(metrics_event(write.metrics), cause, None)]
        return write

    try:
        with_retries(contact_id, store, build)
    except ContactMissing:
        return False
    except AlreadyRecorded:
        pass  # a redelivery, its idempotency record expired: counted once already
    return True


def timeline(contact_id: str, store: HistoryStore, limit: int, cursor: str | None, kind: str | None = None) -> Page:
    if not store.contact_exists(contact_id):
        raise NotFound(f"contact {contact_id} not found")
    # A cursor is good for this contact's timeline with the same kind filter only.
    of = f"contacts/timeline/{contact_id}/{kind or ''}"
    items, last = store.entries(contact_id, limit, decode_cursor(cursor, of=of), kind)
    return Page(items=items, next_cursor=encode_cursor(last, of=of))


# --- shared by every write (orders and refunds: contacts/history/orders.py) ------------


def outgoing(event: Any, cause: EventMetadata | None, correlation_id: str | None) -> Outgoing:
    return follow_up(event, cause) if cause else new_event(event, correlation_id=correlation_id)


ModelT = TypeVar("ModelT", bound=BaseModel)


def from_metrics(model: type[ModelT], m: Metrics, **extra: Any) -> ModelT:
    """``model`` filled with the metrics it carries, by name: the published event and the
    API body carry different subsets, each declared once in its own model."""
    values = {name: getattr(m, name) for name in model.model_fields if hasattr(m, name)}
    return model.model_validate({**values, **extra})


def metrics_event(m: Metrics) -> ContactMetricsUpdated:
    return from_metrics(ContactMetricsUpdated, m)


def with_retries(contact_id: str, store: HistoryStore, build: Any) -> Metrics:
    for _ in range(WRITE_ATTEMPTS):
        before = store.metrics(contact_id) or Metrics(contact_id=contact_id)
        write: HistoryWrite = build(before)
        try:
            store.commit(write)
        except VersionConflict:
            continue  # another order for this contact landed first: recompute from it
        return write.metrics
    raise Conflict(f"the metrics of contact {contact_id} kept changing; try again")


# --- reading the metrics -----------------------------------------------------------------


def metrics_view(m: Metrics) -> MetricsOut:
    return from_metrics(MetricsOut, m, currency=REPORTING_CURRENCY)


def metrics_of(contact_id: str, store: HistoryStore, today: date) -> MetricsOut:
    """The stored metrics, with recency as of today (a read never waits for the daily job).
    A deleted contact's metrics are kept until its erasure, unreadable: 404 like its profile."""
    if not store.contact_exists(contact_id):
        raise NotFound(f"contact {contact_id} not found")
    stored = store.metrics(contact_id) or Metrics(contact_id=contact_id)
    return metrics_view(stored.scored(today))
