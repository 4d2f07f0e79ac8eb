"""Backfill: evaluate the contacts already stored when a segment is created or its rules
change, without a scan and without one long run.

Creating a segment (or PATCHing its rules) writes the definition with ``backfill`` =
running at page 0 and queues SegmentDefined in the same transaction. Each page is then
one step: read the job from the segment's DEF item, read one page of the ALL index (every
live contact, records' ``IDX#all#-``), evaluate those contacts (batched reads; only the
contacts whose membership or due day changes are written, like any change), then advance
the job and queue SegmentBackfillProgressed in one transaction conditioned on the job
still being at that page of that version. That event (through the bus and our own queue)
starts the next page; ``done`` ends the chain.

So a step is retry-safe (evaluation is idempotent; the advance happens once), a
duplicate delivery finds the job past its page and stops, newer rules (a new version)
stop the old chain, and a deleted segment stops its own. Counts stay instant: every
enter/exit ADDs to the segment's member_count in its own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from contacts.events import SegmentBackfillProgressed
from contacts.segments.usecases import ContactFacts, SegmentStore, change_events, diff, reevaluate
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.observability import logger

# Contacts per step: 3 BatchGetItem calls of 100 keys read them; a step stays well inside
# the consumer's 10 s timeout even when every contact of the page changes membership.
PAGE_SIZE = 100


@dataclass(frozen=True)
class Job:
    """A segment's backfill as its DEF item records it."""

    segment_id: str
    active: bool  # False: the segment was deleted
    state: str  # running | done
    version: int  # the segment version whose rules are being applied
    page: int  # pages done so far
    cursor: str | None  # the ALL index sort key to continue after
    evaluated: int


class BatchStore(SegmentStore, Protocol):
    def contacts(self, contact_ids: list[str]) -> Mapping[str, ContactFacts]: ...


class BackfillStore(BatchStore, Protocol):
    def forget_definitions(self) -> None: ...
    def backfill_job(self, segment_id: str) -> Job | None: ...
    def all_contacts(self, cursor: str | None, limit: int) -> tuple[list[str], str | None]: ...
    def advance_backfill(self, job: Job, cursor: str | None, evaluated: int, event: Outgoing) -> bool: ...


def reevaluate_many(
    contact_ids: list[str], store: BatchStore, cause: EventMetadata | None = None, now: datetime | None = None
) -> list[Outgoing]:
    """``reevaluate`` for a page of contacts, their facts read in batches: most contacts
    change nothing and cost no write. A contact that changed meanwhile is redone alone."""
    at = now or datetime.now(UTC)
    facts = store.contacts(contact_ids)
    definitions = store.definitions()
    written: list[Outgoing] = []
    for contact_id in dict.fromkeys(contact_ids):
        change = diff(facts[contact_id], definitions, at)
        if not change:
            continue
        events = change_events(contact_id, change, cause)
        if store.apply(contact_id, facts[contact_id].version, change, events):
            written += events
        else:  # lost a race with the contact's own change: read it again
            written += reevaluate(contact_id, store, cause, at)
    return written


def backfill_step(
    segment_id: str,
    version: int,
    page: int,
    store: BackfillStore,
    *,
    cause: EventMetadata | None = None,
    page_size: int | None = None,
) -> bool:
    """Evaluate page ``page`` of segment ``segment_id``'s backfill at ``version``. False
    when there was nothing to do (superseded, deleted, finished, or a redelivery)."""
    job = store.backfill_job(segment_id)
    if job is None or not job.active or job.state != "running" or (job.version, job.page) != (version, page):
        return False
    # Evaluate with the current definitions, not a warm function's cached ones: the new
    # rules must be the ones applied.
    store.forget_definitions()
    ids, cursor = store.all_contacts(job.cursor, page_size or PAGE_SIZE)
    reevaluate_many(ids, store, cause)
    progress = SegmentBackfillProgressed(
        segment_id=segment_id,
        segment_version=version,
        pages=page + 1,
        evaluated=job.evaluated + len(ids),
        done=cursor is None,
    )
    event = follow_up(progress, cause) if cause else new_event(progress)
    advanced = store.advance_backfill(job, cursor, len(ids), event)
    if advanced and cursor is None:
        logger.info("segment backfill done", extra={"segment_id": segment_id, "evaluated": progress.evaluated})
    return advanced
