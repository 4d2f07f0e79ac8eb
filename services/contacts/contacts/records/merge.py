"""Merging one contact into another: which values survive (pure rules) and the steps
that make it durable and retry-safe.

Steps: (1) one transaction: the winner's merged profile, the loser's tombstone
(``merged_into``), claims moved, index entries re-derived, opt-outs kept, ContactUpdated +
ContactsMerged queued; (2) the loser's other items are copied under the winner in
transactions of at most 100 items. A retried merge whose loser already points at the
winner only redoes (2), which is idempotent (same keys, same values).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from contacts.events import ContactsMerged
from contacts.records.models import EDITABLE, STAGE_ORDER, Address, Contact, MergeWrite
from contacts.records.ports import Consent
from contacts.records.usecases import Contacts, contact_updated
from contacts.table.keys import CONSENT, METRICS, PROFILE, SEGMENTS
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import new_event

# Left to their owners' ContactsMerged handlers: the winner's METRICS are recomputed from
# both contacts' ORDER#/REFUND# items and the loser's released (contacts/history/merge.py),
# SEGMENTS re-evaluated for both. Current consent is written here only for opt-outs. The
# profile is the merge's own business.
NOT_COPIED = frozenset({PROFILE, METRICS, SEGMENTS, CONSENT})
TRANSACTION_LIMIT = 100


class MergeStore(Contacts, Protocol):
    def merged_into(self, contact_id: str) -> str | None: ...
    def partition(self, contact_id: str) -> Any: ...
    def copy_items(self, items: list[dict[str, Any]], to_contact: str) -> None: ...
    def merge_profiles(self, merge: MergeWrite) -> Contact: ...


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def merged_fields(winner: Contact, loser: Contact) -> Contact:
    """The winner's non-empty values win, else the loser's; tags and custom fields are
    unions; the earliest creation; the stage furthest along the funnel."""
    values = winner.model_dump()
    other = loser.model_dump()
    for name in (*EDITABLE, "owner_id"):
        if _empty(values.get(name)) and not _empty(other.get(name)):
            values[name] = other[name]
    if winner.address and loser.address:
        mine, theirs = winner.address.model_dump(), loser.address.model_dump()
        values["address"] = Address.model_validate({k: v if not _empty(v) else theirs[k] for k, v in mine.items()})
    values["tags"] = list(dict.fromkeys([*winner.tags, *loser.tags]))
    values["custom_fields"] = {**loser.custom_fields, **winner.custom_fields}
    emails = [e for e in dict.fromkeys([*winner.emails, *loser.emails]) if e != values["email"]]
    values["other_emails"] = emails
    phone = values.get("phone")
    values["other_phones"] = [p for p in dict.fromkeys([*winner.phones, *loser.phones]) if p != phone]
    values["created_at"] = min(winner.created_at, loser.created_at)
    values["lifecycle_stage"] = max(winner.lifecycle_stage, loser.lifecycle_stage, key=STAGE_ORDER.__getitem__)
    if winner.owner_id is None and loser.owner_id is not None:
        values["owner_assigned_at"] = loser.owner_assigned_at
    else:
        values["owner_assigned_at"] = winner.owner_assigned_at
    values["updated_at"] = datetime.now(UTC)
    return Contact.model_validate(values)


def opt_outs_to_keep(
    winner_consent: dict[str, Any] | None, loser_consent: dict[str, Any] | None, at: datetime
) -> dict[str, dict[str, Any]]:
    """Keys the loser opted out of that the winner's consent does not already refuse."""
    mine = (winner_consent or {}).get("state") or {}
    theirs = (loser_consent or {}).get("state") or {}
    keep = {}
    for key, value in theirs.items():
        if isinstance(value, dict) and value.get("granted") is False:
            current = mine.get(key)
            if not (isinstance(current, dict) and current.get("granted") is False):
                keep[key] = {"granted": False, "at": at.isoformat(), "source": "merge"}
    return keep


def merge_contacts(
    winner_id: str, other_id: str, repo: MergeStore, consent: Consent, correlation_id: str | None = None
) -> Contact:
    if winner_id == other_id:
        raise Unprocessable("a contact cannot merge with itself", errors=[{"field": "other_id", "message": "same id"}])
    winner = repo.get(winner_id)
    if winner is None:
        raise NotFound(f"contact {winner_id} not found")
    went_to = repo.merged_into(other_id)
    if went_to == winner_id:
        copy_history(other_id, winner_id, repo)  # a retry: finish the copy
        return winner
    if went_to is not None:
        raise Conflict(f"contact {other_id} was merged into {went_to}", merged_into=went_to)
    loser = repo.get(other_id)
    if loser is None:
        raise NotFound(f"contact {other_id} not found", errors=[{"field": "other_id", "message": "not found"}])

    after = merged_fields(winner, loser)
    changed = [k for k in (*EDITABLE, "owner_id") if getattr(after, k) != getattr(winner, k)]
    events = [
        new_event(ContactsMerged(winner_id=winner_id, loser_id=other_id), correlation_id=correlation_id),
        new_event(contact_updated(after, changed or ["merged"]), correlation_id=correlation_id),
    ]
    # Opt-outs always survive a merge: the winner's current consent says so, and the
    # append-only consent log records why (source "merge"); privacy writes its own items.
    now = datetime.now(UTC)
    winner_consent = consent.current(winner_id)
    opt_outs = opt_outs_to_keep(winner_consent, consent.current(other_id), now)
    also = consent.opt_out_writes(winner_id, opt_outs, winner_consent, now) if opt_outs else []
    merged = repo.merge_profiles(MergeWrite(winner, after, loser, events, also))
    copy_history(other_id, winner_id, repo)
    return merged


def copy_history(loser_id: str, winner_id: str, repo: MergeStore) -> int:
    """Copy the loser's items (timeline, consent log, ...) under the winner, at most 100
    per transaction. Returns how many were copied."""
    batch: list[dict[str, Any]] = []
    copied = 0
    for item in repo.partition(loser_id):
        if item["sk"]["S"] in NOT_COPIED:
            continue
        batch.append(item)
        if len(batch) == TRANSACTION_LIMIT:
            repo.copy_items(batch, winner_id)
            copied += len(batch)
            batch = []
    if batch:
        repo.copy_items(batch, winner_id)
        copied += len(batch)
    return copied
