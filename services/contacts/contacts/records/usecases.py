"""What the records area does, independent of HTTP and DynamoDB (tested with fakes).

Every change to a contact publishes ``ContactUpdated`` (what changed + the fields
segments filter on) through the outbox, in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from contacts.events import ContactDeleted, ContactUpdated, LeadCreated
from contacts.fields.models import FieldDef
from contacts.fields.usecases import validate_custom_fields
from contacts.records.errors import DuplicateContact
from contacts.records.models import (
    EDITABLE,
    STAGE_ORDER,
    Contact,
    ContactDeletion,
    ContactIn,
    ContactPatch,
    IndexRead,
    LifecycleStage,
)
from contacts.records.search import (
    normalise_phone,
)
from shared.errors import NotFound, StaleVersion, Unprocessable
from shared.events import EventMetadata, Outgoing, follow_up, new_event

MAX_INDEX_PAGES = 20  # a sparse filter returns a partial page + cursor rather than run long

# Whether the caller may see a contact (contacts.reach.visible_to): one outside it is
# answered exactly like a missing one. None: every contact.
Visible = Callable[[Contact], bool]
CompanySize = Callable[[str], str | None]  # a company's size band, by its id


class Contacts(Protocol):
    def add(self, contact: Contact, events: list[Outgoing]) -> Contact: ...
    def replace(self, old: Contact, new: Contact, events: list[Outgoing]) -> Contact: ...
    def remove(self, old: Contact, events: list[Outgoing], deleted_at: datetime | None = None) -> None: ...
    def get(self, contact_id: str) -> Contact | None: ...
    def get_many(self, ids: list[str]) -> dict[str, Contact]: ...
    def id_by_email(self, email: str) -> str | None: ...
    def id_by_phone(self, e164: str) -> str | None: ...
    def field_defs(self) -> list[FieldDef]: ...
    def index_page(self, read: IndexRead) -> tuple[list[tuple[str, str]], bool]: ...
    def index_ids(self, field: str, value: str, limit: int = 50) -> list[str]: ...
    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]: ...
    def members_among(self, segment_id: str, ids: list[str]) -> set[str]: ...


def _now() -> datetime:
    return datetime.now(UTC)


def _field_error(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"invalid fields: {field}", errors=[{"field": field, "message": message}])


# What ContactUpdated carries the new value of, when it changed (contacts.events.ContactUpdated).
PROFILE_FIELDS = ("email", "phone", "first_name", "last_name", "language", "company", "birthday")


def contact_updated(contact: Contact, changed: list[str], import_id: str | None = None) -> ContactUpdated:
    address = contact.address
    profile = {name: getattr(contact, name) for name in PROFILE_FIELDS if name in changed}
    return ContactUpdated(
        contact_id=contact.id,
        changed=sorted(changed),
        lifecycle_stage=contact.lifecycle_stage.value,
        tags=contact.tags,
        country=address.country if address else None,
        region=address.region if address else None,
        city=address.city if address else None,
        company_id=contact.company_id,
        owner_id=contact.owner_id,
        source=contact.source,
        import_id=import_id,
        **profile,
    )


def _normalised(values: dict[str, Any], defs: list[FieldDef], *, complete: bool) -> dict[str, Any]:
    """Phones to E.164, emails lower-cased, custom fields checked: 422 naming each bad field."""
    errors: list[dict[str, str]] = []
    address = values.get("address") or {}
    country = address.get("country") if isinstance(address, Mapping) else None
    if values.get("phone"):
        try:
            values["phone"] = normalise_phone(values["phone"], country)
        except ValueError as exc:
            errors.append({"field": "phone", "message": str(exc)})
    phones = []
    for n, raw in enumerate(values.get("other_phones") or []):
        try:
            phones.append(normalise_phone(raw, country))
        except ValueError as exc:
            errors.append({"field": f"other_phones.{n}", "message": str(exc)})
    if "other_phones" in values:
        values["other_phones"] = list(dict.fromkeys(p for p in phones if p != values.get("phone")))
    if values.get("email"):
        values["email"] = str(values["email"]).lower()
    if "other_emails" in values:
        others = [str(e).lower() for e in values["other_emails"] or []]
        values["other_emails"] = list(dict.fromkeys(e for e in others if e != values.get("email")))
    if "custom_fields" in values:
        clean, problems = validate_custom_fields(values["custom_fields"] or {}, defs, complete=complete)
        values["custom_fields"] = clean
        errors.extend(problems)
    if errors:
        raise Unprocessable("invalid fields: " + ", ".join(e["field"] for e in errors), errors=errors)
    return values


@contextmanager
def _holder_hidden(repo: Contacts, visible: Visible | None) -> Iterator[None]:
    """A duplicate held by a contact outside the caller's reach is refused without its id:
    the caller learns the email or phone is taken, not which contact holds it."""
    try:
        yield
    except DuplicateContact as exc:
        holder = exc.holder
        if visible is None or holder is None:
            raise
        found = repo.get(holder)
        if found is not None and visible(found):
            raise
        raise exc.unnamed() from None


# --- create / read / update / delete -------------------------------------------------


@dataclass(frozen=True)
class Created:
    contact: Contact
    created: bool  # False: ?on_conflict=update changed an existing contact


def create_contact(
    data: ContactIn,
    repo: Contacts,
    *,
    on_conflict_update: bool = False,
    correlation_id: str | None = None,
    created_by: str | None = None,
    visible: Visible | None = None,
    company_size: CompanySize | None = None,
) -> Created:
    """A new contact (LeadCreated only when it enters as a lead). With ``on_conflict_update``
    a contact already holding the email or phone is updated with the given fields instead,
    if the caller may see it: else the create goes ahead and meets the same 409 as without
    ``on_conflict_update`` (a caller may not change a contact outside their reach)."""
    defs = repo.field_defs()
    values = _normalised(data.model_dump(mode="json"), defs, complete=True)
    if on_conflict_update:
        existing = _holder(values, repo)
        if existing is not None and (visible is None or visible(existing)):
            patch = ContactPatch.model_validate(
                {k: v for k, v in data.model_dump(mode="json").items() if k in data.model_fields_set}
            )
            with _holder_hidden(repo, visible):
                return Created(apply_patch(existing, patch, repo, correlation_id, defs), created=False)
    now = _now()
    fresh = {"id": str(uuid.uuid4()), "created_by": created_by, "created_at": now, "updated_at": now, "version": 0}
    contact = Contact.model_validate({**values, **fresh})
    changed = [k for k in EDITABLE if getattr(contact, k) not in (None, [], {})]
    events = [new_event(contact_updated(contact, changed), correlation_id=correlation_id)]
    if contact.lifecycle_stage is LifecycleStage.LEAD:
        lead = lead_created(contact, company_size)
        events.insert(0, new_event(lead, correlation_id=correlation_id))
    with _holder_hidden(repo, visible):
        return Created(repo.add(contact, events), created=True)


def lead_created(contact: Contact, company_size: CompanySize | None = None) -> LeadCreated:
    """The event's fields, by name, from the contact (LeadCreated declares which), with the
    address's country and region and the linked company's size that assignment rules read."""
    address = contact.address
    size = company_size(contact.company_id) if company_size and contact.company_id else None
    return LeadCreated.model_validate(
        {
            **contact.model_dump(include=set(LeadCreated.model_fields)),
            "contact_id": contact.id,
            "country": address.country if address else None,
            "region": address.region if address else None,
            "company_size": size,
        }
    )


def _holder(values: Mapping[str, Any], repo: Contacts) -> Contact | None:
    for email in [values["email"], *values.get("other_emails", [])]:
        if (cid := repo.id_by_email(email)) and (found := repo.get(cid)):
            return found
    for phone in [values.get("phone"), *values.get("other_phones", [])]:
        if phone and (cid := repo.id_by_phone(phone)) and (found := repo.get(cid)):
            return found
    return None


def create_lead(data: ContactIn, repo: Contacts, correlation_id: str | None = None) -> Contact:
    return create_contact(data, repo, correlation_id=correlation_id).contact


def get_contact(contact_id: str, repo: Contacts, visible: Visible | None = None) -> Contact:
    contact = repo.get(contact_id)
    if contact is None or (visible is not None and not visible(contact)):
        raise NotFound(f"contact {contact_id} not found")
    return contact


def update_contact(
    contact_id: str,
    patch: ContactPatch,
    if_match: int,
    repo: Contacts,
    correlation_id: str | None = None,
    *,
    visible: Visible | None = None,
) -> Contact:
    # Reach is checked on the version the write is conditional on: a reassignment
    # meanwhile changes the version, so the write fails rather than cross the rule.
    current = get_contact(contact_id, repo, visible)
    if current.version != if_match:
        raise StaleVersion(
            f"contact {contact_id} is at version {current.version}, not {if_match}",
            current_version=current.version,
        )
    with _holder_hidden(repo, visible):
        return apply_patch(current, patch, repo, correlation_id, repo.field_defs())


def apply_patch(
    current: Contact,
    patch: ContactPatch,
    repo: Contacts,
    correlation_id: str | None,
    defs: list[FieldDef],
    *,
    import_id: str | None = None,
) -> Contact:
    given = {k: v for k, v in patch.model_dump(mode="json").items() if k in patch.model_fields_set}
    if "custom_fields" in given:
        # A patch's custom fields merge into the contact's (null removes one).
        given["custom_fields"] = {**current.custom_fields, **given["custom_fields"]}
    if "address" not in given and current.address is not None and ("phone" in given or "other_phones" in given):
        given["address"] = current.address.model_dump()
    values = _normalised(given, defs, complete=True)
    merged = {**current.model_dump(mode="json"), **values}
    updated = Contact.model_validate({**merged, "updated_at": _now(), "owner_assigned_at": current.owner_assigned_at})
    changed = [k for k in EDITABLE if getattr(updated, k) != getattr(current, k)]
    if not changed:
        return current
    event = new_event(contact_updated(updated, changed, import_id), correlation_id=correlation_id)
    return repo.replace(current, updated, [event])


def delete_contact(contact_id: str, repo: Contacts, correlation_id: str | None = None) -> ContactDeletion:
    """The record goes (profile, claims, index entries: the email is free again); the
    contact's history and consent records stay, unreadable, until an erasure
    (``KEPT_ON_DELETE``). The answer says so, and where the erasure is."""
    current = get_contact(contact_id, repo)
    deleted_at = _now()
    event = new_event(ContactDeleted(contact_id=contact_id), correlation_id=correlation_id)
    repo.remove(current, [event], deleted_at=deleted_at)
    return ContactDeletion(id=contact_id, deleted_at=deleted_at, erase=f"/contacts/{contact_id}/erase")


def _follow(
    contact_id: str,
    change: Callable[[Contact], dict[str, Any] | None],
    changed: str,
    cause: EventMetadata,
    repo: Contacts,
) -> bool:
    """Apply another service's event to a contact: ``change`` gives the fields to set (None:
    nothing to do), written with a ContactUpdated naming ``changed``; re-read on a
    concurrent change."""
    for _ in range(3):
        current = repo.get(contact_id)
        fields = None if current is None else change(current)
        if current is None or fields is None:
            return False
        updated = current.model_copy(update={**fields, "updated_at": _now()})
        event = follow_up(contact_updated(updated, [changed]), cause)
        try:
            repo.replace(current, updated, [event])
        except StaleVersion:
            continue  # a concurrent change: read again
        return True
    raise StaleVersion(f"contact {contact_id} kept changing; {cause.event_id} not applied")


def became_customer(contact_id: str, cause: EventMetadata, repo: Contacts) -> bool:
    """OpportunityWon: the contact's lifecycle stage becomes ``customer`` unless it is there
    already or further (churned stays churned: a won deal after churn is the sales team's
    to reconcile). Idempotent: a redelivery finds the stage set and changes nothing."""

    def change(current: Contact) -> dict[str, Any] | None:
        if STAGE_ORDER[current.lifecycle_stage] >= STAGE_ORDER[LifecycleStage.CUSTOMER]:
            return None
        return {"lifecycle_stage": LifecycleStage.CUSTOMER}

    return _follow(contact_id, change, "lifecycle_stage", cause, repo)


def record_owner(contact_id: str, owner_id: str, cause: EventMetadata, repo: Contacts) -> bool:
    """LeadAssigned: the newest assignment wins, whatever order the events arrive in."""

    def change(current: Contact) -> dict[str, Any] | None:
        if current.owner_assigned_at is not None and current.owner_assigned_at >= cause.occurred_at:
            return None
        return {"owner_id": owner_id, "owner_assigned_at": cause.occurred_at}

    return _follow(contact_id, change, "owner_id", cause, repo)
