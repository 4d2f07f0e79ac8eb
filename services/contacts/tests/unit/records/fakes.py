"""In-memory fakes of records' ports (contacts.records.usecases.Contacts, merge.MergeStore,
ports.Consent), honest about what ContactRepository guarantees:

- a profile is stored at version 1 and each replace bumps it; a replace or remove of a
  version that is no longer current raises StaleVersion (with ``current_version``);
- no two live contacts hold the same email or phone: a write that would claim a held one
  raises DuplicateContact naming the holder, and changes nothing;
- index entries are derived from the profile (contacts.records.search), sk = sort_key,
  read in sk order; an exact email or phone is its claim's holder;
- a merged contact is a tombstone: ``get`` no longer finds it, ``merged_into`` does;
- a deleted contact leaves a marker (``deleted``: its id -> deleted_at), nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from contacts.fields.models import FieldDef
from contacts.records.errors import DuplicateContact
from contacts.records.models import Contact, IndexRead, LifecycleStage, MergeWrite
from contacts.records.search import CLAIMED_FIELDS, claims, index_values, sort_key
from contacts.table.keys import email_claim_pk, phone_claim_pk
from shared.errors import NotFound, StaleVersion
from shared.events import Outgoing


def refuse_held_claims(held: Mapping[str, str], contact_id: str, wanted: Iterable[str]) -> None:
    """Like ContactRepository: DuplicateContact naming the holder when a contact other than
    ``contact_id`` holds one of the ``wanted`` claim keys (``held``: key -> contact id)."""
    for key in sorted(wanted):
        holder = held.get(key)
        if holder is not None and holder != contact_id:
            raise DuplicateContact.held(key, holder)


class FakeContacts:
    def __init__(self, defs: list[FieldDef] | None = None) -> None:
        self.profiles: dict[str, Contact] = {}
        self.claims: dict[str, str] = {}
        self.merged: dict[str, str] = {}
        self.events: list[Outgoing] = []
        self.defs = list(defs or [])
        self.segments: dict[str, list[str]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}  # other items of a partition (merge's copy)
        self.copied: list[tuple[list[dict[str, Any]], str]] = []
        self.merge_writes: list[dict[str, Any]] = []
        self.conflicts_to_raise = 0  # the next N replaces meet a concurrent change
        self.deleted: dict[str, datetime | None] = {}

    # --- writes -----------------------------------------------------------------------

    def add(self, contact: Contact, events: list[Outgoing]) -> Contact:
        if contact.id in self.profiles or contact.id in self.merged:
            raise AssertionError("ids are fresh uuids")
        self._claim(contact, set())
        stored = contact.model_copy(update={"version": 1})
        self.profiles[contact.id] = stored
        self.events.extend(events)
        return stored

    def replace(self, old: Contact, new: Contact, events: list[Outgoing]) -> Contact:
        self._check_version(old)
        if self.conflicts_to_raise:
            self.conflicts_to_raise -= 1
            self._bump(old.id)
            self._check_version(old)
        released = claims(old)
        self._claim(new, released)
        for key in released - claims(new):
            self.claims.pop(key, None)
        stored = new.model_copy(update={"version": old.version + 1})
        self.profiles[new.id] = stored
        self.events.extend(events)
        return stored

    def remove(self, old: Contact, events: list[Outgoing], deleted_at: datetime | None = None) -> None:
        self._check_version(old)
        for key in claims(old):
            self.claims.pop(key, None)
        del self.profiles[old.id]
        self.deleted[old.id] = deleted_at
        self.events.extend(events)

    def _bump(self, contact_id: str) -> None:
        """Someone else changed the contact meanwhile."""
        current = self.profiles[contact_id]
        self.profiles[contact_id] = current.model_copy(update={"version": current.version + 1})

    def _check_version(self, old: Contact) -> None:
        current = self.profiles.get(old.id)
        if current is None:
            raise NotFound(f"contact {old.id} not found")
        if current.version != old.version:
            raise StaleVersion(f"contact {old.id} changed", current_version=current.version)

    def _claim(self, contact: Contact, mine: set[str]) -> None:
        refuse_held_claims(self.claims, contact.id, claims(contact) - mine)
        for key in claims(contact):
            self.claims[key] = contact.id

    # --- reads ------------------------------------------------------------------------

    def get(self, contact_id: str) -> Contact | None:
        return self.profiles.get(contact_id)

    def get_many(self, ids: list[str]) -> dict[str, Contact]:
        return {i: self.profiles[i] for i in ids if i in self.profiles}

    def id_by_email(self, email: str) -> str | None:
        return self.claims.get(email_claim_pk(email))

    def id_by_phone(self, e164: str) -> str | None:
        return self.claims.get(phone_claim_pk(e164))

    def field_defs(self) -> list[FieldDef]:
        return list(self.defs)

    def _rows(self, field: str, value: str) -> list[tuple[str, str]]:
        rows = [(sort_key(c), c.id) for c in self.profiles.values() if (field, value) in index_values(c)]
        return sorted(rows)

    def index_page(self, read: IndexRead) -> tuple[list[tuple[str, str]], bool]:
        if read.field in CLAIMED_FIELDS:
            holder = self.id_by_email(read.value) if read.field == "email" else self.id_by_phone(f"+{read.value}")
            return ([(holder, holder)] if holder and read.after is None else []), False
        rows = self._rows(read.field, read.value)
        # The sk starts with created_at's iso form: DynamoDB compares the strings.
        rows = [
            r
            for r in rows
            if (read.after is None or r[0] > read.after)
            and (read.created_from is None or r[0] >= read.created_from)
            and (read.created_to is None or r[0] <= read.created_to + "\uffff")
        ]
        return rows[: read.limit], len(rows) > read.limit

    def index_ids(self, field: str, value: str, limit: int = 50) -> list[str]:
        rows, _ = self.index_page(IndexRead(field, value, limit=limit))
        return [cid for _, cid in rows]

    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]:
        rows = sorted((cid, cid) for cid in self.segments.get(segment_id, []))
        rows = [r for r in rows if after is None or r[0] > after]
        return rows[:limit], len(rows) > limit

    def members_among(self, segment_id: str, ids: list[str]) -> set[str]:
        return set(self.segments.get(segment_id, [])) & set(ids)

    # --- merge (MergeStore) -------------------------------------------------------------

    def merged_into(self, contact_id: str) -> str | None:
        return self.merged.get(contact_id)

    def partition(self, contact_id: str) -> list[dict[str, Any]]:
        return list(self.items.get(contact_id, []))

    def copy_items(self, items: list[dict[str, Any]], to_contact: str) -> None:
        self.copied.append((list(items), to_contact))
        existing = {i["sk"]["S"] for i in self.items.setdefault(to_contact, [])}
        self.items[to_contact].extend(i for i in items if i["sk"]["S"] not in existing)

    def merge_profiles(self, merge: MergeWrite) -> Contact:
        winner_before, winner_after, loser = merge.winner_before, merge.winner_after, merge.loser
        self._check_version(winner_before)
        self._check_version(loser)
        for key in claims(loser):
            del self.claims[key]
        del self.profiles[loser.id]
        self.merged[loser.id] = winner_after.id
        self._claim(winner_after, claims(winner_before))
        stored = winner_after.model_copy(update={"version": winner_before.version + 1})
        self.profiles[stored.id] = stored
        self.merge_writes.extend(merge.also)
        self.events.extend(merge.events)
        return stored


class FakeConsent:
    """records.ports.Consent: current consent per contact; opt-out writes as plain markers."""

    def __init__(self, current: dict[str, dict[str, Any]] | None = None) -> None:
        self.consent = dict(current or {})

    def current(self, contact_id: str) -> dict[str, Any] | None:
        return self.consent.get(contact_id)

    def opt_out_writes(
        self, contact_id: str, opt_outs: dict[str, dict[str, Any]], before: dict[str, Any] | None, at: datetime
    ) -> list[dict[str, Any]]:
        state = {**((before or {}).get("state") or {}), **opt_outs}
        return [{"Put": {"contact_id": contact_id, "state": state, "at": at.isoformat()}}]


T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def a_contact(**extra: Any) -> Contact:
    """A stored-looking contact (fields as ContactIn would leave them), for seeding a fake."""
    base: dict[str, Any] = {
        "id": "c1",
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "lifecycle_stage": LifecycleStage.LEAD,
        "created_at": T0,
        "updated_at": T0,
        "version": 0,
    }
    return Contact.model_validate({**base, **extra})


def seeded(*contacts: Contact, defs: list[FieldDef] | None = None) -> FakeContacts:
    repo = FakeContacts(defs)
    for c in contacts:
        repo.add(c, [])
    return repo
