"""GDPR: export everything held about a contact, and erase it.

Export reads the contact's partition (one paginated query: every area keeps a contact's
items under CONTACT#<id>, keys.py). Erasure removes the personal data here and tells
every other service with ContactErased. It is idempotent and safe to retry after a crash
at any step: claims and index entries go first (while the profile still names them), then
the partition's items, and last, in one transaction, the profile, an ``ERASED`` tombstone
(id + time, nothing personal) and the event, so the event is published exactly once.
The contact's SEGMENTS item is left to the ContactErased handler, which makes the
contact exit its segments (with SegmentExited) like any other change.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from contacts.events import ContactErased
from shared.errors import NotFound
from shared.events import Outgoing, new_event


class Export(BaseModel):
    contact_id: str
    exported_at: datetime
    items: list[dict[str, Any]]


class Erasure(BaseModel):
    contact_id: str
    erased_at: datetime


class PrivacyStore(Protocol):
    def partition(self, contact_id: str) -> list[dict[str, Any]]: ...
    def profile(self, contact_id: str) -> dict[str, Any] | None: ...
    def tombstone(self, contact_id: str) -> datetime | None: ...
    def release(self, contact_id: str, claims: list[str], index_keys: list[tuple[str, str]]) -> None: ...
    def purge(self, contact_id: str) -> int: ...
    def seal(self, contact_id: str, erased_at: datetime, event: Outgoing) -> bool: ...


def export_contact(contact_id: str, store: PrivacyStore) -> Export:
    items = store.partition(contact_id)
    if not items:
        raise NotFound(f"contact {contact_id} not found")
    return Export(contact_id=contact_id, exported_at=datetime.now(UTC), items=items)


def erase_contact(contact_id: str, store: PrivacyStore, correlation_id: str | None = None) -> Erasure:
    profile = store.profile(contact_id)
    if profile is None:
        erased_at = store.tombstone(contact_id)
        if erased_at is None:
            raise NotFound(f"contact {contact_id} not found")
        store.purge(contact_id)  # a retry, or items written late: erase them too
        return Erasure(contact_id=contact_id, erased_at=erased_at)
    store.release(contact_id, claim_keys(profile), index_keys(contact_id, profile))
    store.purge(contact_id)
    erased_at = datetime.now(UTC)
    event = new_event(ContactErased(contact_id=contact_id, erased_at=erased_at), correlation_id=correlation_id)
    if not store.seal(contact_id, erased_at, event):
        erased_at = store.tombstone(contact_id) or erased_at  # a concurrent erase sealed it first
    return Erasure(contact_id=contact_id, erased_at=erased_at)


# --- what records keeps outside the partition (keys.py: claims and IDX# entries) ------


def _emails(profile: dict[str, Any]) -> list[str]:
    found = [profile.get("email"), *(profile.get("other_emails") or [])]
    return [str(e).strip().lower() for e in found if e]


def _phones(profile: dict[str, Any]) -> list[str]:
    found = [profile.get("phone"), *(profile.get("other_phones") or [])]
    return [str(p) for p in found if p]


def claim_keys(profile: dict[str, Any]) -> list[str]:
    from contacts.keys import email_claim_pk, phone_claim_pk

    return [email_claim_pk(e) for e in _emails(profile)] + [phone_claim_pk(p) for p in _phones(profile)]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", _fold(text)) if t]


def _created(profile: dict[str, Any]) -> str | None:
    raw = profile.get("created_at")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw)).isoformat()
    except ValueError:
        return None


def index_keys(contact_id: str, profile: dict[str, Any]) -> list[tuple[str, str]]:
    """The IDX#<field>#<value> entries records keeps for this profile (sort key
    ``<created_at iso>#<contact id>``): the ones whose keys carry personal data (email,
    phone, name) and the rest of what the profile lists it under."""
    from contacts.keys import index_pk
    from contacts.segments_rules import address_of

    created = _created(profile)
    if created is None:
        return []
    values: set[tuple[str, str]] = {("all", "-")}
    for email in _emails(profile):
        values |= {("email", email), ("local", email.split("@", 1)[0])}
    values |= {("phone", p.lstrip("+")) for p in _phones(profile)}
    names = _tokens(f"{profile.get('first_name') or ''} {profile.get('last_name') or ''}")
    values |= {("name", t[:3]) for t in names}
    if names:
        values.add(("fullname", " ".join(names)))
    if profile.get("lifecycle_stage"):
        values.add(("stage", str(profile["lifecycle_stage"])))
    for field, attribute in (("owner", "owner_id"), ("company", "company_id")):
        if profile.get(attribute):
            values.add((field, str(profile[attribute])))
    address = address_of(profile)
    if address.get("country"):
        values.add(("country", str(address["country"])))
    for field in ("region", "city"):
        if address.get(field):
            values.add((field, _fold(str(address[field]))))
    values |= {("tag", str(t)) for t in profile.get("tags") or []}
    sort = f"{created}#{contact_id}"
    return sorted((index_pk(field, value), sort) for field, value in values)
