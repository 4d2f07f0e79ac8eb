"""Segments: definitions (CRUD, built-ins) and incremental membership.

Membership is maintained on each change of a contact, never by scanning: the on_event
consumer calls ``reevaluate`` with the contact's id; it reads that contact's facts,
evaluates the (few, cached) active definitions and writes only the difference, each
enter/exit with its event in one transaction conditioned on the contact's SEGMENTS
version. A duplicate or concurrent delivery therefore finds nothing left to do.

Rule changes (PATCH) apply from each contact's next change on: re-evaluating everyone at
once would need a scan or a long job. Current members are kept until then.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from contacts.events import SegmentEntered, SegmentExited
from contacts.segments_rules import Rule, evaluate, facts_of, validate_rules
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.http import RequestModel

RFM_GROUPS = ("champions", "loyal", "potential_loyalist", "new", "at_risk", "cant_lose", "hibernating", "lost")
VALUE_TIERS = ("platinum", "gold", "silver", "bronze")
APPLY_ATTEMPTS = 5


# --- bodies -------------------------------------------------------------------------


class SegmentIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    rules: dict[str, Any]


class SegmentPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    rules: dict[str, Any] | None = None


class Segment(BaseModel):
    id: str
    name: str
    description: str | None = None
    rules: dict[str, Any]
    builtin: bool = False
    member_count: int = 0
    created_at: datetime
    updated_at: datetime
    version: int = 1


class Member(BaseModel):
    contact_id: str
    joined_at: datetime


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


@dataclass(frozen=True)
class Change:
    """The difference to write for one contact: target state and who enters/exits."""

    memberships: dict[str, str]
    entered: list[tuple[str, str]]
    exited: list[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.entered or self.exited)


class SegmentStore(Protocol):
    def definitions(self) -> list[Definition]: ...
    def contact(self, contact_id: str) -> ContactFacts: ...
    def apply(self, contact_id: str, expected_version: int, change: Change, events: list[Outgoing]) -> bool: ...
    def add(self, segment: Segment) -> None: ...
    def ensure(self, segments: list[Segment]) -> None: ...
    def get(self, segment_id: str) -> Segment | None: ...
    def page(self, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]: ...
    def replace(self, segment: Segment, expected_version: int) -> None: ...
    def remove(self, segment: Segment) -> None: ...
    def members(self, segment_id: str, limit: int, cursor: str | None) -> tuple[list[Member], str | None]: ...


def builtins(now: datetime | None = None) -> list[Segment]:
    """RFM groups and value tiers: fixed ids, so creating them twice is harmless."""
    at = now or datetime.now(UTC)
    rfm = [
        Segment(
            id=f"rfm-{g.replace('_', '-')}",
            name=f"RFM: {g.replace('_', ' ')}",
            description="built-in: contacts whose RFM group is " + g,
            rules={"field": "rfm_group", "op": "eq", "value": g},
            builtin=True,
            created_at=at,
            updated_at=at,
        )
        for g in RFM_GROUPS
    ]
    tiers = [
        Segment(
            id=f"value-{t}",
            name=f"Value: {t}",
            description="built-in: contacts in the value tier " + t,
            rules={"field": "value_tier", "op": "eq", "value": t},
            builtin=True,
            created_at=at,
            updated_at=at,
        )
        for t in VALUE_TIERS
    ]
    return rfm + tiers


def plan(current: Mapping[str, str], desired: Mapping[str, str]) -> Change:
    """The membership diff: who enters, who exits (a segment renamed is neither)."""
    entered = sorted((sid, name) for sid, name in desired.items() if sid not in current)
    exited = sorted((sid, name) for sid, name in current.items() if sid not in desired)
    return Change(dict(desired), entered, exited)


def desired_segments(facts: ContactFacts, definitions: list[Definition], now: datetime) -> dict[str, str]:
    profile = facts.profile
    if profile is None or any(profile.get(k) for k in ("merged_into", "erased_at", "deleted_at")):
        return {}  # deleted, erased or merged away: a contact that is gone belongs nowhere
    seen = facts_of(facts.profile, facts.metrics, now)
    return {d.id: d.name for d in definitions if evaluate(d.rules, seen, now)}


def reevaluate(
    contact_id: str, store: SegmentStore, cause: EventMetadata | None = None, now: datetime | None = None
) -> list[Outgoing]:
    """Bring one contact's memberships up to date; returns the events written (maybe none)."""
    for _ in range(APPLY_ATTEMPTS):
        facts = store.contact(contact_id)
        at = now or datetime.now(UTC)
        change = plan(facts.memberships, desired_segments(facts, store.definitions(), at))
        if not change:
            return []
        events = [_event(SegmentEntered, sid, name, contact_id, cause) for sid, name in change.entered]
        events += [_event(SegmentExited, sid, name, contact_id, cause) for sid, name in change.exited]
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
    )
    store.add(segment)
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
    updated = segment.model_copy(update={**changes, "updated_at": datetime.now(UTC), "version": segment.version + 1})
    store.replace(updated, segment.version)
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
