"""Segment membership reactions to contacts' own events (declared in
contacts/subscriptions.py, called once per event by the on_event consumer): each names
the contacts whose facts may have changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts.bootstrap import segment_store

if TYPE_CHECKING:
    from contacts.inbound import (
        ContactRefIn,
        ContactsImportedIn,
        ContactsMergedIn,
        SegmentBackfillProgressedIn,
        SegmentDefinedIn,
    )
    from shared.events import Envelope, EventMetadata


def _reevaluate(contact_ids: list[str], cause: EventMetadata) -> None:
    from contacts.segments.usecases import reevaluate

    for contact_id in dict.fromkeys(contact_ids):
        reevaluate(contact_id, segment_store(), cause)


def on_contact_changed(envelope: Envelope[ContactRefIn]) -> None:
    """LeadCreated, ContactUpdated, ContactMetricsUpdated, ContactDeleted, ContactErased:
    the facts are read from the table, not the event, so late or reordered events converge."""
    _reevaluate([envelope.data.contact_id], envelope.metadata)


def on_contacts_merged(envelope: Envelope[ContactsMergedIn]) -> None:
    # The loser is gone (it leaves everything); the winner's facts changed.
    _reevaluate([envelope.data.loser_id, envelope.data.winner_id], envelope.metadata)


def on_contacts_imported(envelope: Envelope[ContactsImportedIn]) -> None:
    """A chunk of an import (hundreds of contacts): read 100 at a time (3 BatchGetItem
    calls instead of 100), write only the changes. One by one, a 500-row chunk held the
    consumer for minutes on the local stack, delaying every other contacts event."""
    from contacts.segments.backfill import PAGE_SIZE, reevaluate_many

    ids = list(dict.fromkeys([*envelope.data.created, *envelope.data.updated]))
    for at in range(0, len(ids), PAGE_SIZE):
        reevaluate_many(ids[at : at + PAGE_SIZE], segment_store(), envelope.metadata)


def on_segment_defined(envelope: Envelope[SegmentDefinedIn]) -> None:
    """A new segment, or new rules: the backfill's first page."""
    from contacts.segments.backfill import backfill_step

    data = envelope.data
    backfill_step(data.segment_id, data.segment_version, 0, segment_store(), cause=envelope.metadata)


def on_backfill_progressed(envelope: Envelope[SegmentBackfillProgressedIn]) -> None:
    """One page done: the next one, until the last."""
    from contacts.segments.backfill import backfill_step

    data = envelope.data
    if not data.done:
        backfill_step(data.segment_id, data.segment_version, data.pages, segment_store(), cause=envelope.metadata)
