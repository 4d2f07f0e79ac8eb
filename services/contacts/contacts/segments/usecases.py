"""Segments: definitions (CRUD, built-ins) and incremental membership.

Membership is maintained on each change of a contact, never by scanning: the on_event
consumer calls ``reevaluate`` with the contact's id; it reads that contact's facts,
evaluates the (few, cached) active definitions and writes only the difference, each
enter/exit with its event in one transaction conditioned on the contact's SEGMENTS
version. A duplicate or concurrent delivery therefore finds nothing left to do.

Time changes membership too (``last_purchase_at within_days 30`` stops holding 30 days
after the purchase, with no event): each evaluation also records the day the contact's
time-dependent rules next flip (its ``due`` day, on SEGMENTS and in the day index
IDX#seg_due#<day>), and a daily job re-evaluates just the contacts due that day
(contacts/segments/due.py).

A new segment, or new rules, are applied to the contacts already stored by an
asynchronous backfill over the ALL index, one page per event (contacts/segments/backfill.py);
the segment shows its progress (``backfill``). Contacts changing meanwhile are evaluated
by their own events as usual.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from contacts.events import SegmentDefined, SegmentEntered, SegmentExited
from contacts.segments.rules import Rule, evaluate, facts_of, next_change, validate_rules
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.inputs import RequestModel
from shared.types import JsonObject

RFM_GROUPS = ("champions", "loyal", "potential_loyalist", "new", "at_risk", "cant_lose", "hibernating", "lost")
VALUE_TIERS = ("platinum", "gold", "silver", "bronze")
APPLY_ATTEMPTS = 5


# --- bodies -------------------------------------------------------------------------


class SegmentIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    rules: JsonObject


class SegmentPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    rules: JsonObject | None = None


class Backfill(BaseModel):
    """Progress of evaluating the stored contacts against a segment's rules (as of
    ``version`` of the segment): running, then done."""

    state: Literal["running", "done"]
    version: int
    evaluated: int = 0
    started_at: datetime
    finished_at: datetime | None = None


class Segment(BaseModel):
    id: str
    name: str
    description: str | None = None
    rules: JsonObject
    builtin: bool = False
    member_count: int = 0
    created_at: datetime
    updated_at: datetime
    version: int = 1
    backfill: Backfill | None = None  # None: built-ins, and segments made before backfills existed


class Member(BaseModel):
    contact_id: str
    joined_at: datetime


class SegmentPage(BaseModel):
    items: list[Segment]
    next_cursor: str | None = None


class MemberPage(BaseModel):
    items: list[Member]
    next_cursor: str | None = None


# --- domain -------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """What evaluation needs of a segment (the SEGMENTDEFS listing entry)."""

    id: str
    name: str
    rules: Rule


@dataclass
class ContactFacts:
    """One contact as membership sees it: its facts and its current segments."""

    profile: dict[str, Any] | None
    metrics: dict[str, Any] | None
    memberships: dict[str, str] = field(default_factory=dict)  # segment id -> name
    version: int = 0  # of the SEGMENTS item; 0 = none yet
    due: date | None = None  # the day the contact is in the seg_due index for


@dataclass(frozen=True)
class Change:
    """The difference to write for one contact: target state, who enters/exits, and the
    move of its due day (the day index entry goes with it, in the same transaction)."""

    memberships: dict[str, str]
    entered: list[tuple[str, str]]
    exited: list[tuple[str, str]]
    due_before: date | None = None
    due: date | None = None

    def __bool__(self) -> bool:
        return bool(self.entered or self.exited or self.due != self.due_before)


class SegmentStore(Protocol):
    def definitions(self) -> list[Definition]: ...
    def contact(self, contact_id: str) -> ContactFacts: ...
    def apply(self, contact_id: str, expected_version: int, change: Change, events: list[Outgoing]) -> bool: ...
    def add(self, segment: Segment, events: list[Outgoing]) -> None: ...
    def ensure(self, segments: list[Segment]) -> None: ...
    def get(self, segment_id: str) -> Segment | None: ...
    def page(self, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]: ...
    def replace(self, segment: Segment, expected_version: int, events: list[Outgoing]) -> None: ...
    def remove(self, segment: Segment) -> None: ...
    def members(self, segment_id: str, limit: int, cursor: str | None) -> tuple[list[Member], str | None]: ...


def builtins(now: datetime | None = None) -> list[Segment]:
    """RFM groups and value tiers: fixed ids, so creating them twice is harmless."""
    at = now or datetime.now(UTC)

    def builtin(segment_id: str, name: str, description: str, field: str, value: str) -> Segment:
        rules = {"field": field, "op": "eq", "value": value}
        return Segment(
            id=segment_id, name=name, description=description, rules=rules, builtin=True, created_at=at, updated_at=at
        )

    rfm = [
        builtin(
            f"rfm-{g.replace('_', '-')}",
            f"RFM: {g.replace('_', ' ')}",
            "built-in: contacts whose RFM group is " + g,
            "rfm_group",
            g,
        )
        for g in RFM_GROUPS
    ]
    tiers = [
        builtin(f"value-{t}", f"Value: {t}", "built-in: contacts in the value tier " + t, "value_tier", t)
        for t in VALUE_TIERS
    ]
    return rfm + tiers


def plan(
    current: Mapping[str, str], desired: Mapping[str, str], due_before: date | None = None, due: date | None = None
) -> Change:
    """The membership diff: who enters, who exits (a segment renamed is neither)."""
    entered = sorted((sid, name) for sid, name in desired.items() if sid not in current)
    exited = sorted((sid, name) for sid, name in current.items() if sid not in desired)
    return Change(dict(desired), entered, exited, due_before, due)


def _gone(facts: ContactFacts) -> bool:
    profile = facts.profile
    return profile is None or any(profile.get(k) for k in ("merged_into", "erased_at", "deleted_at"))


def desired_segments(facts: ContactFacts, definitions: list[Definition], now: datetime) -> dict[str, str]:
    if _gone(facts):
        return {}  # deleted, erased or merged away: a contact that is gone belongs nowhere
    seen = facts_of(facts.profile, facts.metrics, now)
    return {d.id: d.name for d in definitions if evaluate(d.rules, seen, now)}


def _due(seen: Mapping[str, Any], definitions: list[Definition], now: datetime) -> date | None:
    moments = [m for d in definitions if (m := next_change(d.rules, seen, now)) is not None]
    return due_day(min(moments)) if moments else None


def due_day(moment: datetime) -> date:
    """The day whose daily run (just after midnight UTC) is the first one after ``moment``:
    the run on ``moment``'s own day happened before it, unless it is exactly midnight."""
    at = moment.astimezone(UTC)
    return at.date() if at.time() == datetime.min.time() else at.date() + timedelta(days=1)


def next_due(facts: ContactFacts, definitions: list[Definition], now: datetime) -> date | None:
    """The day the contact's membership may next change by time alone (None: only a change
    of its facts can). Always after today, so a due run never re-schedules for itself."""
    if _gone(facts):
        return None
    return _due(facts_of(facts.profile, facts.metrics, now), definitions, now)


def diff(facts: ContactFacts, definitions: list[Definition], now: datetime) -> Change:
    """What one contact's SEGMENTS item must become, given its facts (pure)."""
    if _gone(facts):
        return plan(facts.memberships, {}, facts.due, None)  # gone: in no segment, never due
    seen = facts_of(facts.profile, facts.metrics, now)
    desired = {d.id: d.name for d in definitions if evaluate(d.rules, seen, now)}
    return plan(facts.memberships, desired, facts.due, _due(seen, definitions, now))


def change_events(contact_id: str, change: Change, cause: EventMetadata | None) -> list[Outgoing]:
    """One event per enter/exit, in the order ``apply`` writes them."""
    events = [_event(SegmentEntered, sid, name, contact_id, cause) for sid, name in change.entered]
    return events + [_event(SegmentExited, sid, name, contact_id, cause) for sid, name in change.exited]


def reevaluate(
    contact_id: str, store: SegmentStore, cause: EventMetadata | None = None, now: datetime | None = None
) -> list[Outgoing]:
    """Bring one contact's memberships (and due day) up to date; returns the events written."""
    for _ in range(APPLY_ATTEMPTS):
        facts = store.contact(contact_id)
        change = diff(facts, store.definitions(), now or datetime.now(UTC))
        if not change:
            return []
        events = change_events(contact_id, change, cause)
        if store.apply(contact_id, facts.version, change, events):
            return events
        # Another delivery changed this contact's segments meanwhile: read again.
    raise Conflict(f"segments of contact {contact_id} kept changing; retried")


def _event(
    kind: type[SegmentEntered] | type[SegmentExited], sid: str, name: str, contact_id: str, cause: EventMetadata | None
) -> Outgoing:
    event = kind(segment_id=sid, segment_name=name, contact_id=contact_id)
    return follow_up(event, cause) if cause else new_event(event)


# --- definitions (HTTP use-cases) --------------------------------------------------


def _defined(segment: Segment) -> Outgoing:
    """The event that starts (or restarts) the segment's backfill, queued with the write."""
    return new_event(SegmentDefined(segment_id=segment.id, segment_name=segment.name, segment_version=segment.version))


def create_segment(data: SegmentIn, store: SegmentStore) -> Segment:
    rules = validate_rules(data.rules)
    now = datetime.now(UTC)
    segment = Segment(
        id=str(uuid.uuid4()),
        name=data.name,
        description=data.description,
        rules=rules,
        created_at=now,
        updated_at=now,
        backfill=Backfill(state="running", version=1, started_at=now),
    )
    store.add(segment, [_defined(segment)])
    return segment


def list_segments(store: SegmentStore, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]:
    store.ensure(builtins())
    return store.page(limit, cursor)


def get_segment(segment_id: str, store: SegmentStore) -> Segment:
    segment = store.get(segment_id)
    if segment is None:
        if segment_id in {b.id for b in builtins()}:
            store.ensure(builtins())
            segment = store.get(segment_id)
        if segment is None:
            raise NotFound(f"segment {segment_id} not found")
    return segment


def update_segment(segment_id: str, patch: SegmentPatch, store: SegmentStore, if_match: int | None) -> Segment:
    segment = get_segment(segment_id, store)
    if segment.builtin:
        raise Conflict("built-in segments are maintained by the CRM and cannot be changed")
    if if_match is not None and if_match != segment.version:
        raise Conflict("the segment changed since it was read", current_version=segment.version)
    changes: dict[str, Any] = {
        k: v for k, v in patch.model_dump(exclude_unset=True).items() if k != "rules" and v is not None
    }
    if "description" in patch.model_fields_set:
        changes["description"] = patch.description
    if patch.rules is not None:
        changes["rules"] = validate_rules(patch.rules)
    now = datetime.now(UTC)
    updated = segment.model_copy(update={**changes, "updated_at": now, "version": segment.version + 1})
    events: list[Outgoing] = []
    if updated.rules != segment.rules:
        # New rules: the stored contacts are evaluated again (the old run, if any, stops).
        updated = updated.model_copy(
            update={"backfill": Backfill(state="running", version=updated.version, started_at=now)}
        )
        events.append(_defined(updated))
    store.replace(updated, segment.version, events)
    return updated


def delete_segment(segment_id: str, store: SegmentStore) -> None:
    segment = get_segment(segment_id, store)
    if segment.builtin:
        raise Conflict("built-in segments are maintained by the CRM and cannot be deleted")
    store.remove(segment)


def segment_members(
    segment_id: str, store: SegmentStore, limit: int, cursor: str | None
) -> tuple[list[Member], str | None]:
    get_segment(segment_id, store)
    return store.members(segment_id, limit, cursor)
