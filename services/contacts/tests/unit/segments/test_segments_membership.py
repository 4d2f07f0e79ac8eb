"""Membership diff and re-evaluation with a fake store (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contacts.segments.usecases import (
    Change,
    ContactFacts,
    Definition,
    Member,
    Segment,
    SegmentIn,
    SegmentPatch,
    builtins,
    create_segment,
    delete_segment,
    plan,
    reevaluate,
    update_segment,
)
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import Outgoing

NOW = datetime(2026, 6, 15, tzinfo=UTC)
VIP = Definition("vip", "VIPs", {"field": "tags", "op": "contains", "value": "vip"})
FRANCE = Definition("fr", "France", {"field": "country", "op": "eq", "value": "FR"})


class FakeStore:
    def __init__(self, definitions: list[Definition], profile: dict[str, Any] | None) -> None:
        self.defs = definitions
        self.facts = ContactFacts(profile=profile, metrics=None)
        self.events: list[Outgoing] = []
        self.counts: dict[str, int] = {}
        self.conflicts = 0  # how many apply calls lose a race first
        self.segments: dict[str, Segment] = {}

    def definitions(self) -> list[Definition]:
        return self.defs

    def contact(self, contact_id: str) -> ContactFacts:
        return ContactFacts(
            self.facts.profile, self.facts.metrics, dict(self.facts.memberships), self.facts.version, self.facts.due
        )

    def apply(self, contact_id: str, expected_version: int, change: Change, events: list[Outgoing]) -> bool:
        if self.conflicts:
            self.conflicts -= 1
            return False
        assert expected_version == self.facts.version
        for sid, _ in change.entered:
            self.counts[sid] = self.counts.get(sid, 0) + 1
        for sid, _ in change.exited:
            self.counts[sid] = self.counts.get(sid, 0) - 1
        self.facts.memberships, self.facts.version = dict(change.memberships), self.facts.version + 1
        self.facts.due = change.due
        self.events.extend(events)
        return True

    def add(self, segment: Segment, events: list[Outgoing]) -> None:
        self.segments[segment.id] = segment
        self.events.extend(events)

    def get(self, segment_id: str) -> Segment | None:
        return self.segments.get(segment_id)

    def replace(self, segment: Segment, expected_version: int, events: list[Outgoing]) -> None:
        self.segments[segment.id] = segment
        self.events.extend(events)

    def remove(self, segment: Segment) -> None:
        del self.segments[segment.id]

    def ensure(self, segments: list[Segment]) -> None:
        for s in segments:
            self.segments.setdefault(s.id, s)

    def page(self, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]:
        return list(self.segments.values())[:limit], None

    def members(self, segment_id: str, limit: int, cursor: str | None) -> tuple[list[Member], str | None]:
        return [], None


def kinds(events: list[Outgoing]) -> list[tuple[str, str]]:
    return [(e.detail_type, e.detail["data"]["segment_id"]) for e in events]


def test_plan_names_who_enters_and_who_exits() -> None:
    change = plan({"a": "A", "b": "B"}, {"b": "B2", "c": "C"})
    assert change.entered == [("c", "C")] and change.exited == [("a", "A")]
    assert not plan({"a": "A"}, {"a": "A"})


def test_a_matching_contact_enters_once_and_a_second_evaluation_changes_nothing() -> None:
    store = FakeStore([VIP, FRANCE], {"tags": ["vip"], "address": {"country": "DE"}})
    events = reevaluate("c1", store, now=NOW)
    assert kinds(events) == [("SegmentEntered", "vip")]
    assert events[0].detail["data"] == {"segment_id": "vip", "segment_name": "VIPs", "contact_id": "c1"}
    # When the same change is delivered again: nothing to do, no event
    assert reevaluate("c1", store, now=NOW) == []
    assert store.counts == {"vip": 1} and len(store.events) == 1


def test_a_change_of_facts_moves_the_contact_between_segments() -> None:
    store = FakeStore([VIP, FRANCE], {"tags": ["vip"]})
    reevaluate("c1", store, now=NOW)
    store.facts.profile = {"tags": [], "address": {"country": "FR"}}
    events = reevaluate("c1", store, now=NOW)
    assert kinds(events) == [("SegmentEntered", "fr"), ("SegmentExited", "vip")]
    assert store.counts == {"vip": 0, "fr": 1}


def test_a_contact_that_is_gone_leaves_every_segment() -> None:
    store = FakeStore([VIP, FRANCE], {"tags": ["vip"], "address": {"country": "FR"}})
    reevaluate("c1", store, now=NOW)
    store.facts.profile = None  # deleted, erased or merged away
    assert sorted(kinds(reevaluate("c1", store, now=NOW))) == [("SegmentExited", "fr"), ("SegmentExited", "vip")]


def test_a_lost_race_is_retried_from_a_fresh_read() -> None:
    store = FakeStore([VIP], {"tags": ["vip"]})
    store.conflicts = 2
    assert kinds(reevaluate("c1", store, now=NOW)) == [("SegmentEntered", "vip")]
    store.facts.profile = {"tags": []}
    store.conflicts = 99
    with pytest.raises(Conflict):
        reevaluate("c1", store, now=NOW)


def test_events_follow_their_cause() -> None:
    from contacts.events import LeadCreated
    from shared.events import EventMetadata, new_event

    lead = LeadCreated(contact_id="c1", email="a@example.com", first_name="A", last_name="B")
    cause = EventMetadata.model_validate(new_event(lead).detail["metadata"])
    [event] = reevaluate("c1", FakeStore([VIP], {"tags": ["vip"]}), cause, now=NOW)
    assert event.detail["metadata"]["causation_id"] == cause.event_id
    assert event.detail["metadata"]["correlation_id"] == cause.correlation_id


def test_segments_are_validated_on_create_and_built_ins_are_protected() -> None:
    store = FakeStore([], None)
    with pytest.raises(Unprocessable):
        create_segment(SegmentIn(name="x", rules={"field": "nope", "op": "eq", "value": 1}), store)
    made = create_segment(SegmentIn(name="VIP", rules={"field": "tags", "op": "contains", "value": "vip"}), store)
    patched = update_segment(made.id, SegmentPatch(description="our best"), store, if_match=1)
    assert (patched.version, patched.description, patched.rules) == (2, "our best", made.rules)
    with pytest.raises(Conflict):
        update_segment(made.id, SegmentPatch(name="stale"), store, if_match=1)
    store.ensure(builtins())
    with pytest.raises(Conflict):
        delete_segment("rfm-champions", store)
    delete_segment(made.id, store)
    with pytest.raises(NotFound):
        delete_segment(made.id, store)


def test_built_ins_cover_every_rfm_group_and_value_tier() -> None:
    ids = {s.id for s in builtins()}
    assert {"rfm-champions", "rfm-cant-lose", "rfm-potential-loyalist", "rfm-lost", "value-platinum"} <= ids
    assert len(ids) == 12


def test_a_page_is_read_in_one_batch_and_a_contact_changed_meanwhile_is_redone_alone() -> None:
    from collections.abc import Mapping

    from contacts.segments.backfill import reevaluate_many

    class BatchFake(FakeStore):
        batches = 0

        def contacts(self, contact_ids: list[str]) -> Mapping[str, ContactFacts]:
            self.batches += 1
            return {c: self.contact(c) for c in contact_ids}

    store = BatchFake([VIP], {"tags": ["vip"]})
    store.conflicts = 1  # the first write loses a race: that contact is read again alone
    events = reevaluate_many(["c1"], store, now=NOW)
    assert kinds(events) == [("SegmentEntered", "vip")] and store.batches == 1
    assert reevaluate_many(["c1"], store, now=NOW) == []
