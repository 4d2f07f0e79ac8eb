"""Privacy's use cases.

Consent per channel and purpose: an append-only record of every grant and withdrawal
(proof: who said what, where, when) and the current state, changed together with a
ConsentChanged event in one transaction.

The current state is the CONSENT item's map ``state``:
``{"<channel>:<purpose>": {"granted": bool, "at": iso, "source": str}}`` (records' merge
reads and writes this exact shape; an opt-out always survives a merge).

GDPR: export everything held about a contact, and erase it.

Export reads the contact's partition (one paginated query: every area keeps a contact's
items under CONTACT#<id>, keys.py). Erasure removes the personal data here and tells
every other service with ContactErased. It is idempotent and safe to retry after a crash
at any step: claims and index entries go first (while the profile still names them), then
the partition's items, and last, in one transaction, the profile, an ``ERASED`` tombstone
(id + time, nothing personal), the hashes of its emails (a later import of an older file
skips them) and the event, so the event is published exactly once.
A deleted contact (DELETE /contacts/{id}: profile, claims and index entries gone, its
history and consent records kept, and records' DELETED marker) is erased the same way:
nothing is left to release, the marker gives its emails' suppression keys (hashed at the
delete), the seal removes the marker, and ContactErased is published once, as for a live
contact. Until then its export answers 404, like every other route on it.
The contact's SEGMENTS item is left to the ContactErased handler, which makes the
contact exit its segments (with SegmentExited) like any other change, and releases its
seg_due index entry. The 360 metrics go before the purge, with their last-purchase
day-index entry and the active-customer count (contacts/history/merge.py): the recency
job then never meets an erased contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from contacts.events import ConsentChanged, ContactErased
from contacts.privacy.models import ConsentEntry, ConsentIn, ConsentView, Deleted, Erasure, Export
from contacts.table.keys import EMAIL_CLAIM_PREFIX, ERASED, PROFILE
from shared.errors import NotFound
from shared.events import Outgoing, new_event

if TYPE_CHECKING:
    from contacts.history.merge import MetricsCommit
    from contacts.history.metrics import Metrics


class ConsentStore(Protocol):
    def record(self, contact_id: str, entry: ConsentEntry, event: Outgoing) -> bool: ...
    def state(self, contact_id: str) -> dict[str, dict[str, Any]] | None: ...
    def history(self, contact_id: str, limit: int, cursor: str | None) -> tuple[list[ConsentEntry], str | None]: ...


def record_consent(
    contact_id: str, data: ConsentIn, store: ConsentStore, correlation_id: str | None = None
) -> ConsentEntry:
    entry = ConsentEntry(
        channel=data.channel.value,
        purpose=data.purpose.value,
        granted=data.granted,
        source=data.source,
        at=datetime.now(UTC),
    )
    event = ConsentChanged(contact_id=contact_id, **entry.model_dump())
    if not store.record(contact_id, entry, new_event(event, correlation_id=correlation_id)):
        raise NotFound(f"contact {contact_id} not found")
    return entry


def consents(contact_id: str, store: ConsentStore, limit: int, cursor: str | None) -> ConsentView:
    state = store.state(contact_id)
    if state is None:
        raise NotFound(f"contact {contact_id} not found")
    history, next_cursor = store.history(contact_id, limit, cursor)
    return ConsentView(contact_id=contact_id, state=state, history=history, next_cursor=next_cursor)


class PrivacyStore(Protocol):
    def partition(self, contact_id: str) -> list[dict[str, Any]]: ...
    def profile(self, contact_id: str) -> dict[str, Any] | None: ...
    def tombstone(self, contact_id: str) -> datetime | None: ...
    def deleted(self, contact_id: str) -> Deleted | None: ...
    def held_keys(self, contact_id: str) -> tuple[list[str], list[tuple[str, str]]]: ...
    def release(self, contact_id: str, claims: list[str], index_keys: list[tuple[str, str]]) -> None: ...
    def purge(self, contact_id: str) -> int: ...
    def seal(
        self, contact_id: str, erased_at: datetime, event: Outgoing, emails: list[str], hashed: Sequence[str] = ()
    ) -> bool: ...
    def metrics(self, contact_id: str) -> Metrics | None: ...
    def commit_metrics(self, commit: MetricsCommit) -> None: ...


# A partition holding one of these is a contact's: a live one (its profile) or an erased
# one (its tombstone, all that is left). Without either (a deleted contact's history, or
# items of no contact) the export answers 404 like every other route on the contact.
_OWNED = frozenset({PROFILE, ERASED})


def export_contact(contact_id: str, store: PrivacyStore) -> Export:
    items = store.partition(contact_id)
    if not any(i.get("sk") in _OWNED for i in items):
        raise NotFound(f"contact {contact_id} not found")
    return Export(contact_id=contact_id, exported_at=datetime.now(UTC), items=items)


def erase_contact(contact_id: str, store: PrivacyStore, correlation_id: str | None = None) -> Erasure:
    hashed: list[str] = []
    if store.profile(contact_id) is None:
        erased_at = store.tombstone(contact_id)
        if erased_at is not None:
            _release_metrics(contact_id, store)
            store.purge(contact_id)  # a retry, or items written late: erase them too
            return Erasure(contact_id=contact_id, erased_at=erased_at)
        deleted = store.deleted(contact_id)
        if deleted is None:
            raise NotFound(f"contact {contact_id} not found")
        # Deleted: its claims and index entries went with the profile (an email may be a
        # new contact's by now: nothing to release); the marker kept its emails, hashed.
        claims: list[str] = []
        hashed = deleted.suppress
    else:
        claims, index_keys = store.held_keys(contact_id)
        store.release(contact_id, claims, index_keys)
    _release_metrics(contact_id, store)
    store.purge(contact_id)
    erased_at = datetime.now(UTC)
    event = new_event(ContactErased(contact_id=contact_id, erased_at=erased_at), correlation_id=correlation_id)
    emails = [c for c in claims if c.startswith(EMAIL_CLAIM_PREFIX)]
    if not store.seal(contact_id, erased_at, event, emails, hashed):
        erased_at = store.tombstone(contact_id) or erased_at  # a concurrent erase sealed it first
    return Erasure(contact_id=contact_id, erased_at=erased_at)


def _release_metrics(contact_id: str, store: PrivacyStore) -> None:
    from contacts.history.merge import release_metrics

    release_metrics(contact_id, store, datetime.now(UTC).date())
