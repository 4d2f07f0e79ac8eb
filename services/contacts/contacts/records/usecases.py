"""What the records area does, independent of HTTP and DynamoDB (tested with fakes).

Every change to a contact publishes ``ContactUpdated`` (what changed + the fields
segments filter on) through the outbox, in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from contacts.events import ContactDeleted, ContactUpdated, LeadCreated
from contacts.fields.usecases import validate_custom_fields
from contacts.records.errors import PreconditionRequired, StaleVersion
from contacts.records.models import (
    EDITABLE,
    Company,
    CompanyIn,
    CompanyPage,
    CompanyPatch,
    Contact,
    ContactIn,
    ContactPage,
    ContactPatch,
    Duplicate,
    FieldDef,
    FieldDefIn,
    LifecycleStage,
)
from contacts.records.search import (
    FILTER_ORDER,
    fold,
    full_name,
    matches_q,
    name_tokens,
    normalise_phone,
    query_plan,
)
from shared.errors import BadRequest, NotFound, Unprocessable
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.pagination import decode_cursor, encode_cursor

MAX_INDEX_PAGES = 20  # a sparse filter returns a partial page + cursor rather than run long

# Whether the caller may see a contact (contacts.reach.visible_to): one outside it is
# answered exactly like a missing one. None: every contact.
Visible = Callable[[Contact], bool]


class Contacts(Protocol):
    def add(self, contact: Contact, events: list[Outgoing]) -> Contact: ...
    def replace(self, old: Contact, new: Contact, events: list[Outgoing]) -> Contact: ...
    def remove(self, old: Contact, events: list[Outgoing]) -> None: ...
    def get(self, contact_id: str) -> Contact | None: ...
    def get_many(self, ids: list[str]) -> dict[str, Contact]: ...
    def id_by_email(self, email: str) -> str | None: ...
    def id_by_phone(self, e164: str) -> str | None: ...
    def field_defs(self) -> list[FieldDef]: ...
    def index_page(
        self,
        field: str,
        value: str,
        *,
        after: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[str, str]], bool]: ...
    def index_ids(self, field: str, value: str, limit: int = 50) -> list[str]: ...
    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]: ...
    def members_among(self, segment_id: str, ids: list[str]) -> set[str]: ...


class Companies(Protocol):
    def add_company(self, company: Company) -> Company: ...
    def replace_company(self, old: Company, new: Company) -> Company: ...
    def get_company(self, company_id: str) -> Company | None: ...
    def companies_page(self, after: str | None, limit: int) -> tuple[list[Company], str | None]: ...


def _now() -> datetime:
    return datetime.now(UTC)


def _field_error(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"invalid fields: {field}", errors=[{"field": field, "message": message}])


def contact_updated(contact: Contact, changed: list[str], import_id: str | None = None) -> ContactUpdated:
    address = contact.address
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
            return Created(apply_patch(existing, patch, repo, correlation_id, defs), created=False)
    now = _now()
    fresh = {"id": str(uuid.uuid4()), "created_by": created_by, "created_at": now, "updated_at": now, "version": 0}
    contact = Contact.model_validate({**values, **fresh})
    changed = [k for k in EDITABLE if getattr(contact, k) not in (None, [], {})]
    events = [new_event(contact_updated(contact, changed), correlation_id=correlation_id)]
    if contact.lifecycle_stage is LifecycleStage.LEAD:
        lead = LeadCreated(
            contact_id=contact.id,
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            phone=contact.phone,
            company=contact.company,
            source=contact.source,
        )
        events.insert(0, new_event(lead, correlation_id=correlation_id))
    return Created(repo.add(contact, events), created=True)


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


def parse_if_match(header: str | None) -> int:
    """If-Match: "<version>" (W/ and bare forms accepted). Missing -> 428: an update must
    name the version it read, or it could silently undo someone else's change."""
    if header is None or not header.strip():
        raise PreconditionRequired(
            "updates need If-Match with the contact's ETag",
            errors=[{"field": "If-Match", "message": "required"}],
        )
    raw = header.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest("If-Match is not a version", errors=[{"field": "If-Match", "message": 'expected "<version>"'}])
    return int(raw)


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


def delete_contact(contact_id: str, repo: Contacts, correlation_id: str | None = None) -> None:
    current = get_contact(contact_id, repo)
    repo.remove(current, [new_event(ContactDeleted(contact_id=contact_id), correlation_id=correlation_id)])


def record_owner(contact_id: str, owner_id: str, cause: EventMetadata, repo: Contacts) -> bool:
    """LeadAssigned: the newest assignment wins, whatever order the events arrive in."""
    for _ in range(3):
        current = repo.get(contact_id)
        if current is None:
            return False
        if current.owner_assigned_at is not None and current.owner_assigned_at >= cause.occurred_at:
            return False
        updated = current.model_copy(
            update={"owner_id": owner_id, "owner_assigned_at": cause.occurred_at, "updated_at": _now()}
        )
        event = follow_up(contact_updated(updated, ["owner_id"]), cause)
        try:
            repo.replace(current, updated, [event])
        except StaleVersion:
            continue  # a concurrent change: read again
        return True
    raise StaleVersion(f"contact {contact_id} kept changing; owner not recorded")


# --- list and search -------------------------------------------------------------------


LIST_FILTERS = ("stage", "owner", "tag", "company", "country", "region", "city", "segment", "q")


def _filter_value(name: str, raw: str) -> str:
    if name in ("region", "city", "tag"):
        return fold(raw)
    if name == "country":
        return raw.strip().upper()
    return raw.strip()


def _keep(contact: Contact, filters: Mapping[str, str], created: tuple[str | None, str | None]) -> bool:
    address = contact.address
    checks = {
        "stage": contact.lifecycle_stage.value,
        "owner": contact.owner_id,
        "company": contact.company_id,
        "country": address.country if address else None,
        "region": fold(address.region) if address and address.region else None,
        "city": fold(address.city) if address and address.city else None,
    }
    for name, wanted in filters.items():
        if name == "tag":
            if wanted not in contact.tags:
                return False
        elif name == "q":
            if not matches_q(contact, wanted):
                return False
        elif name in checks and checks[name] != wanted:
            return False
    stamp = contact.created_at.isoformat()
    return not ((created[0] and stamp < created[0]) or (created[1] and stamp[: len(created[1])] > created[1]))


@dataclass(frozen=True)
class ListQuery:
    """The list filters, validated: which index partition to read and what to keep."""

    filters: dict[str, str]
    created: tuple[str | None, str | None]
    segment: str | None
    plan: tuple[str, str]


def parse_list_query(query: Mapping[str, str]) -> ListQuery:
    """GET /contacts's filters (also an export's, contacts.exports.models): one parser, so both
    accept and match exactly the same things. BadRequest names the filter at fault."""
    filters = {n: _filter_value(n, query[n]) for n in LIST_FILTERS if query.get(n)}
    created = (query.get("created_from") or None, query.get("created_to") or None)
    for bound, name in zip(created, ("created_from", "created_to"), strict=True):
        if bound is not None:
            try:
                datetime.fromisoformat(bound)
            except ValueError:
                raise BadRequest(f"{name} is not a date", errors=[{"field": name, "message": "ISO 8601"}]) from None
    segment = filters.pop("segment", None)
    plan: tuple[str, str]
    if "q" in filters:
        planned = query_plan(filters["q"])
        if planned is None:
            raise BadRequest("q needs letters or digits", errors=[{"field": "q", "message": "empty search"}])
        plan = planned
    else:
        chosen = next((n for n in FILTER_ORDER if n in filters), None)
        plan = (chosen, filters[chosen]) if chosen else ("all", "-")
    return ListQuery(filters, created, segment, plan)


def _within_owner(parsed: ListQuery, owner: str) -> ListQuery | None:
    """The query confined to one owner's contacts; None when it asks for another owner's.
    The owner's partition is read, never a wider one filtered down, except for an exact
    email or phone ``q`` (one entry at most); every filter still applies to each profile."""
    if parsed.filters.get("owner", owner) != owner:
        return None
    plan = parsed.plan if parsed.plan[0] in ("email", "phone") else ("owner", owner)
    return ListQuery({**parsed.filters, "owner": owner}, parsed.created, parsed.segment, plan)


def list_contacts(
    query: Mapping[str, str], limit: int, repo: Contacts, *, owner_scope: str | None = None
) -> ContactPage:
    """One index partition per request (the most selective filter given), the other
    filters applied to the profiles it yields; the cursor is the last index entry read.

    ``owner_scope`` confines the list to one owner's contacts (a sales rep's reach,
    contacts.reach); a ``segment`` is then a membership check on the owner's contacts, so
    it costs the rep's book, not the segment's size."""
    parsed = parse_list_query(query)
    if owner_scope is not None:
        confined = _within_owner(parsed, owner_scope)
        if confined is None:
            return ContactPage(items=[], next_cursor=None)  # another owner's contacts: none in reach
        parsed = confined
    filters, created, segment, plan = parsed.filters, parsed.created, parsed.segment, parsed.plan
    cursor = decode_cursor(query.get("cursor"))
    after = str(cursor["after"]) if cursor and "after" in cursor else None

    items: list[Contact] = []
    more = True
    for _ in range(MAX_INDEX_PAGES):
        page_size = min(100, limit * 2)
        if segment is not None and owner_scope is None:
            rows, more = repo.segment_page(segment, after=after, limit=page_size)
        else:
            rows, more = repo.index_page(
                plan[0], plan[1], after=after, created_from=created[0], created_to=created[1], limit=page_size
            )
        wanted = [cid for _, cid in rows]
        if segment is not None and owner_scope is not None:
            members = repo.members_among(segment, wanted)
            wanted = [cid for cid in wanted if cid in members]
        profiles = repo.get_many(wanted)
        for sk, cid in rows:
            after = sk
            contact = profiles.get(cid)
            if contact is not None and _keep(contact, filters, created):
                items.append(contact)
                if len(items) == limit:
                    break
        if len(items) == limit:
            exhausted = not more and after == rows[-1][0]
            return ContactPage(items=items, next_cursor=None if exhausted else encode_cursor({"after": after}))
        if not more:
            return ContactPage(items=items, next_cursor=None)
    return ContactPage(items=items, next_cursor=encode_cursor({"after": after}) if after else None)


# --- duplicates ------------------------------------------------------------------------


def find_duplicates(contact_id: str, repo: Contacts, visible: Visible | None = None) -> list[Duplicate]:
    """Likely duplicates by index lookups only, each with a score and its reasons; only
    those the caller may see (a duplicate's profile is a record like any other)."""
    contact = get_contact(contact_id, repo, visible)
    reasons: dict[str, list[tuple[float, str]]] = {}

    def hit(ids: list[str], score: float, reason: str) -> None:
        for other in ids:
            if other != contact.id:
                reasons.setdefault(other, []).append((score, reason))

    for phone in contact.phones:
        hit(repo.index_ids("phone", phone.lstrip("+")), 0.9, "same phone number")
    for email in contact.emails:
        local, _, domain = email.partition("@")
        same_local = [
            cid for cid in repo.index_ids("local", local) if cid != contact.id and email not in _emails(repo, cid)
        ]
        hit(same_local, 0.6, f"same email name at another domain than {domain}")
    same_name = repo.index_ids("fullname", full_name(contact.first_name, contact.last_name))
    candidates = repo.get_many(same_name)
    same_company = [
        cid
        for cid, c in candidates.items()
        if (contact.company_id and c.company_id == contact.company_id)
        or (contact.company and c.company and fold(c.company) == fold(contact.company))
    ]
    hit(same_company, 0.8, "same name and company")
    hit([cid for cid in same_name if cid not in same_company], 0.5, "same name")
    mine = set(name_tokens(contact.first_name, contact.last_name))
    similar: dict[str, int] = {}
    for token in mine:
        for cid in repo.index_ids("name", token[:3], limit=100):
            similar[cid] = similar.get(cid, 0) + 1
    near = [cid for cid, n in similar.items() if n >= max(2, len(mine)) and cid not in same_name]
    hit(near, 0.3, "similar name")

    profiles = repo.get_many(list(reasons))
    found = []
    for cid, why in reasons.items():
        if cid not in profiles or (visible is not None and not visible(profiles[cid])):
            continue
        score = 1 - _product(1 - s for s, _ in why)  # independent pieces of evidence add up
        found.append(Duplicate(contact=profiles[cid], score=round(score, 3), reasons=[r for _, r in why]))
    return sorted(found, key=lambda d: (-d.score, d.contact.id))


def _emails(repo: Contacts, contact_id: str) -> list[str]:
    found = repo.get(contact_id)
    return found.emails if found else []


def _product(values: Any) -> float:
    result = 1.0
    for v in values:
        result *= v
    return result


# --- custom field definitions ------------------------------------------------------------


class FieldDefs(Protocol):
    def field_defs(self) -> list[FieldDef]: ...
    def add_field_def(self, definition: FieldDef) -> FieldDef: ...


def define_field(data: FieldDefIn, repo: FieldDefs) -> FieldDef:
    return repo.add_field_def(FieldDef.model_validate({**data.model_dump(), "created_at": _now()}))


# --- companies ---------------------------------------------------------------------------


def create_company(data: CompanyIn, repo: Companies) -> Company:
    now = _now()
    company = Company.model_validate(
        {**data.model_dump(), "id": str(uuid.uuid4()), "created_at": now, "updated_at": now, "version": 0}
    )
    return repo.add_company(company)


def get_company(company_id: str, repo: Companies) -> Company:
    company = repo.get_company(company_id)
    if company is None:
        raise NotFound(f"company {company_id} not found")
    return company


def update_company(company_id: str, patch: CompanyPatch, if_match: int | None, repo: Companies) -> Company:
    current = get_company(company_id, repo)
    if if_match is not None and if_match != current.version:
        raise StaleVersion(f"company {company_id} is at version {current.version}, not {if_match}")
    given = {k: v for k, v in patch.model_dump().items() if k in patch.model_fields_set}
    if "name" in given and given["name"] is None:
        raise _field_error("name", "cannot be cleared")
    updated = Company.model_validate({**current.model_dump(), **given, "updated_at": _now()})
    return repo.replace_company(current, updated)


def list_companies(cursor: str | None, limit: int, repo: Companies) -> CompanyPage:
    decoded = decode_cursor(cursor)
    items, last = repo.companies_page(str(decoded["after"]) if decoded else None, limit)
    return CompanyPage(items=items, next_cursor=encode_cursor({"after": last}) if last else None)
