"""Listing and searching contacts, and their likely duplicates (records' read use cases,
independent of HTTP and DynamoDB)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from contacts.records.filters import ContactListQuery, created_end, created_start
from contacts.records.models import (
    Contact,
    ContactPage,
    Duplicate,
    IndexRead,
)
from contacts.records.search import (
    FILTER_ORDER,
    fold,
    full_name,
    matches_q,
    name_tokens,
    query_plan,
)
from contacts.records.usecases import MAX_INDEX_PAGES, Contacts, Visible, get_contact
from shared.errors import BadRequest, NotFound
from shared.inputs import parse_query
from shared.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from contacts.segments.usecases import SegmentStore

# --- list and search -------------------------------------------------------------------


LIST_FILTERS = ("stage", "owner", "tag", "company", "country", "region", "city", "segment", "q")


def _filter_value(name: str, raw: str) -> str:
    if name in ("region", "city", "tag"):
        return fold(raw)
    if name == "country":
        return raw.strip().upper()
    return raw.strip()


Created = tuple[datetime | None, datetime | None]  # [from, to): instants in UTC


def _keep(contact: Contact, filters: Mapping[str, str], created: Created) -> bool:
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
    at = contact.created_at if contact.created_at.tzinfo else contact.created_at.replace(tzinfo=UTC)
    return not ((created[0] and at < created[0]) or (created[1] and at >= created[1]))


@dataclass(frozen=True)
class ListQuery:
    """The list filters, validated: which index partition to read and what to keep."""

    filters: dict[str, str]
    created: Created
    segment: str | None
    plan: tuple[str, str]

    def index_read(self, after: str | None, limit: int) -> IndexRead:
        """The page of the plan's index partition after ``after``, within the created bounds
        as the index's sort keys hold them (created_at's UTC iso form; the upper bound inclusive)."""
        start, end = self.created
        upto = (end - timedelta(microseconds=1)).isoformat() if end else None
        return IndexRead(self.plan[0], self.plan[1], after, start.isoformat() if start else None, upto, limit)


def list_params(query: ContactListQuery | Mapping[str, str]) -> ContactListQuery:
    """The list's parameters validated (contacts.records.filters): a 400 naming each one at fault."""
    return query if isinstance(query, ContactListQuery) else parse_query(query, ContactListQuery)


def parse_list_query(query: ContactListQuery | Mapping[str, str]) -> ListQuery:
    """GET /contacts's filters (also an export's, contacts.exports.models): one model and one
    parser, so both accept and match exactly the same things. BadRequest names the filter at fault."""
    params = list_params(query)
    given = {n: getattr(params, n) for n in LIST_FILTERS}
    filters = {n: _filter_value(n, str(v)) for n, v in given.items() if v is not None}
    created = (
        created_start(params.created_from) if params.created_from else None,
        created_end(params.created_to) if params.created_to else None,
    )
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


def _list_of(parsed: ListQuery, owner_scope: str | None) -> str:
    """What a cursor of this list is signed for: the filters as parsed and the reach, so a
    cursor is an index sort key of the very partition and filters it was read from."""
    import json

    shape = [sorted(parsed.filters.items()), list(parsed.created), parsed.segment, list(parsed.plan), owner_scope]
    return "contacts/list/" + json.dumps(shape, separators=(",", ":"), default=str)


def _known_segment(segment_id: str, segments: SegmentStore) -> None:
    from contacts.segments.usecases import get_segment

    try:
        get_segment(segment_id, segments)
    except NotFound:
        raise BadRequest(
            f"segment {segment_id} not found", errors=[{"field": "segment", "message": "no such segment"}]
        ) from None


def list_contacts(
    query: ContactListQuery | Mapping[str, str],
    limit: int,
    repo: Contacts,
    *,
    owner_scope: str | None = None,
    segments: SegmentStore | None = None,
) -> ContactPage:
    """One index partition per request (the most selective filter given), the other
    filters applied to the profiles it yields; the cursor is the last index entry read.

    ``owner_scope`` confines the list to one owner's contacts (a sales rep's reach,
    contacts.reach); a ``segment`` is then a membership check on the owner's contacts, so
    it costs the rep's book, not the segment's size. Given ``segments``, a segment that
    does not exist is a 400 naming ``segment`` (one read), not an empty list."""
    params = list_params(query)
    parsed = parse_list_query(params)
    if parsed.segment is not None and segments is not None:
        _known_segment(parsed.segment, segments)
    if owner_scope is not None:
        confined = _within_owner(parsed, owner_scope)
        if confined is None:
            return ContactPage(items=[], next_cursor=None)  # another owner's contacts: none in reach
        parsed = confined
    filters, created, segment = parsed.filters, parsed.created, parsed.segment
    of = _list_of(parsed, owner_scope)
    cursor = decode_cursor(params.cursor, of=of)
    after = str(cursor["after"]) if cursor and "after" in cursor else None

    items: list[Contact] = []
    more = True
    for _ in range(MAX_INDEX_PAGES):
        page_size = min(100, limit * 2)
        if segment is not None and owner_scope is None:
            rows, more = repo.segment_page(segment, after=after, limit=page_size)
        else:
            rows, more = repo.index_page(parsed.index_read(after, page_size))
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
            return ContactPage(items=items, next_cursor=None if exhausted else encode_cursor({"after": after}, of=of))
        if not more:
            return ContactPage(items=items, next_cursor=None)
    return ContactPage(items=items, next_cursor=encode_cursor({"after": after}, of=of) if after else None)


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
