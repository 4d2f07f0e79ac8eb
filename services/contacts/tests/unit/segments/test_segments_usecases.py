"""Segment use cases against an in-memory store (no AWS): definitions, membership on a
change, the backfill of stored contacts, and the daily due job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contacts.segments.backfill import backfill_step
from contacts.segments.due import reevaluate_due
from contacts.segments.usecases import (
    SegmentIn,
    SegmentPatch,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    reevaluate,
    segment_members,
    update_segment,
)
from services.contacts.tests.unit.segments.fakes import FakeSegments
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import Outgoing

VIP_RULES = {"field": "tags", "op": "contains", "value": "vip"}
RECENT_BUYERS = {"field": "last_purchase_at", "op": "within_days", "value": 30}
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def moves(events: list[Outgoing]) -> list[tuple[str, str, str]]:
    """(detail type, segment id, contact id) of the membership events."""
    return [
        (e.detail_type, e.detail["data"]["segment_id"], e.detail["data"]["contact_id"])
        for e in events
        if e.detail_type in ("SegmentEntered", "SegmentExited")
    ]


def backfill_events(store: FakeSegments) -> list[dict[str, object]]:
    return [e.detail["data"] for e in store.events if e.detail_type == "SegmentBackfillProgressed"]


# --- definitions ----------------------------------------------------------------------


def test_a_bad_rule_is_a_field_error_naming_the_node_and_nothing_is_stored() -> None:
    store = FakeSegments()
    rules = {"all": [VIP_RULES, {"field": "country", "op": "gt", "value": "FR"}]}
    with pytest.raises(Unprocessable) as raised:
        create_segment(SegmentIn(name="VIP in France", rules=rules), store)
    [error] = raised.value.extensions["errors"]
    assert error["field"] == "rules.all.1.op"
    assert store.defs == {} and store.events == []


def test_a_new_segment_starts_its_backfill_and_is_evaluated_from_then_on() -> None:
    store = FakeSegments()
    segment = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    # Then its definition event is queued with it, and the backfill is running at version 1
    [defined] = store.events
    assert defined.detail_type == "SegmentDefined"
    assert defined.detail["data"] == {"segment_id": segment.id, "segment_name": "VIP", "segment_version": 1}
    assert segment.backfill is not None and (segment.backfill.state, segment.backfill.version) == ("running", 1)
    # And a listing shows it beside the built-ins
    listed, _ = list_segments(store, 100, None)
    assert segment.id in {s.id for s in listed} and {"rfm-champions", "value-gold"} <= {s.id for s in listed}


def test_an_update_with_a_stale_if_match_is_a_conflict_and_changes_nothing() -> None:
    store = FakeSegments()
    segment = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    update_segment(segment.id, SegmentPatch(name="VIPs"), store, if_match=1)
    # When a second editor saves what they read at version 1
    with pytest.raises(Conflict) as raised:
        update_segment(segment.id, SegmentPatch(name="Best"), store, if_match=1)
    assert raised.value.extensions["current_version"] == 2
    assert get_segment(segment.id, store).name == "VIPs"


def test_an_update_racing_another_is_refused_by_the_store_version() -> None:
    store = FakeSegments()
    segment = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    # Given someone else saves between this update's read and its write
    real_get = store.get

    def read_then_lose(segment_id: str):
        read = real_get(segment_id)
        store.defs[segment_id].segment = store.defs[segment_id].segment.model_copy(update={"version": 2})
        return read

    store.get = read_then_lose
    with pytest.raises(Conflict):
        update_segment(segment.id, SegmentPatch(name="Mine"), store, if_match=None)


def test_a_rename_keeps_the_backfill_and_new_rules_restart_it() -> None:
    store = FakeSegments()
    segment = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    renamed = update_segment(segment.id, SegmentPatch(name="VIPs"), store, if_match=None)
    assert renamed.backfill == segment.backfill and len(store.events) == 1
    # When the rules change
    changed = update_segment(
        segment.id, SegmentPatch(rules={"field": "country", "op": "eq", "value": "FR"}), store, None
    )
    # Then a new backfill runs for version 3 and its event is queued
    assert changed.backfill is not None and (changed.backfill.state, changed.backfill.version) == ("running", 3)
    assert store.events[-1].detail["data"]["segment_version"] == 3


def test_built_ins_cannot_be_changed_or_deleted_and_unknown_segments_are_not_found() -> None:
    store = FakeSegments()
    with pytest.raises(Conflict):
        update_segment("value-gold", SegmentPatch(name="Gold!"), store, None)
    with pytest.raises(Conflict):
        delete_segment("rfm-lost", store)
    with pytest.raises(NotFound):
        get_segment("no-such-segment", store)


# --- membership ------------------------------------------------------------------------


def test_a_contact_enters_on_a_change_and_leaves_on_the_next_one() -> None:
    store = FakeSegments()
    vip = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    store.add_contact("c1", {"tags": ["VIP"]})
    # When the contact's change is evaluated
    assert moves(reevaluate("c1", store, now=NOW)) == [("SegmentEntered", vip.id, "c1")]
    # Then it is a member, counted
    members, _ = segment_members(vip.id, store, 10, None)
    assert [m.contact_id for m in members] == ["c1"] and get_segment(vip.id, store).member_count == 1
    # When its tag goes
    store.profiles["c1"] = {"tags": []}
    assert moves(reevaluate("c1", store, now=NOW)) == [("SegmentExited", vip.id, "c1")]
    assert segment_members(vip.id, store, 10, None)[0] == [] and get_segment(vip.id, store).member_count == 0


def test_a_concurrent_delivery_of_the_same_change_enters_the_contact_once() -> None:
    store = FakeSegments()
    vip = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    store.add_contact("c1", {"tags": ["vip"]})

    # Given the same change is delivered twice at once, and the other delivery writes first
    def other_delivery(contact_id: str) -> None:
        reevaluate(contact_id, store, now=NOW)

    store.before_apply = other_delivery
    # When this delivery writes: refused (the version moved), it reads again, nothing left
    assert reevaluate("c1", store, now=NOW) == []
    # Then the contact entered once, counted once
    assert moves(store.events) == [("SegmentEntered", vip.id, "c1")]
    assert get_segment(vip.id, store).member_count == 1


def test_members_of_a_deleted_segment_leave_on_their_next_change() -> None:
    store = FakeSegments()
    vip = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    store.add_contact("c1", {"tags": ["vip"]})
    reevaluate("c1", store, now=NOW)
    delete_segment(vip.id, store)
    with pytest.raises(NotFound):
        get_segment(vip.id, store)
    # When the member changes (anything): it leaves the deleted segment
    assert moves(reevaluate("c1", store, now=NOW)) == [("SegmentExited", vip.id, "c1")]


# --- backfill -----------------------------------------------------------------------------


def test_a_backfill_pages_through_the_stored_contacts_and_finishes() -> None:
    # Given five stored contacts, three of them VIPs, and a new VIP segment
    store = FakeSegments()
    for n in range(5):
        store.add_contact(f"c{n}", {"tags": ["vip"] if n % 2 == 0 else []})
    vip = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    # When its SegmentBackfillProgressed chain runs, two contacts a page
    page = 0
    while backfill_step(vip.id, 1, page, store, page_size=2):
        page += 1
    # Then every contact was evaluated once, the VIPs entered, and the job is done
    assert sorted(c for _, _, c in moves(store.events)) == ["c0", "c2", "c4"]
    progress = backfill_events(store)
    assert [p["pages"] for p in progress] == list(range(1, page + 1))
    assert [p["done"] for p in progress] == [False] * (page - 1) + [True]
    assert progress[-1]["evaluated"] == 5
    finished = get_segment(vip.id, store)
    assert finished.member_count == 3 and finished.backfill is not None and finished.backfill.state == "done"


def test_a_redelivered_backfill_step_does_nothing() -> None:
    store = FakeSegments()
    store.add_contact("c0", {"tags": ["vip"]})
    store.add_contact("c1", {"tags": []})
    vip = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    assert backfill_step(vip.id, 1, 0, store, page_size=1)
    # When page 0's event is delivered again
    assert not backfill_step(vip.id, 1, 0, store, page_size=1)
    assert len(backfill_events(store)) == 1 and store.backfill_job(vip.id).page == 1


def test_new_rules_stop_the_old_backfill_and_a_deleted_segment_stops_its_own() -> None:
    store = FakeSegments()
    store.add_contact("c0", {"tags": ["vip"], "address": {"country": "FR"}})
    store.add_contact("c1", {"tags": []})
    seg = create_segment(SegmentIn(name="VIP", rules=VIP_RULES), store)
    assert backfill_step(seg.id, 1, 0, store, page_size=1)
    update_segment(seg.id, SegmentPatch(rules={"field": "country", "op": "eq", "value": "FR"}), store, None)
    # The old chain's next page (version 1, page 1) stops; the new one starts at page 0
    assert not backfill_step(seg.id, 1, 1, store, page_size=1)
    assert backfill_step(seg.id, 2, 0, store, page_size=1)
    delete_segment(seg.id, store)
    assert not backfill_step(seg.id, 2, 1, store, page_size=1)


# --- the due job ------------------------------------------------------------------------


def test_the_due_job_moves_only_the_contacts_whose_time_rule_flipped() -> None:
    # Given two recent buyers: one bought 25 days ago, one 5 days ago
    store = FakeSegments()
    recent = create_segment(SegmentIn(name="Recent buyers", rules=RECENT_BUYERS), store)
    store.add_contact("early", {}, {"last_purchase_at": (NOW - timedelta(days=25)).isoformat()})
    store.add_contact("late", {}, {"last_purchase_at": (NOW - timedelta(days=5)).isoformat()})
    store.add_contact("never", {"tags": ["vip"]})
    for c in ("early", "late", "never"):
        reevaluate(c, store, now=NOW)
    # Then each buyer is due the day after its 30 days end; the non-buyer never
    assert store.due_day_of("early") == date(2026, 6, 21)
    assert store.due_day_of("late") == date(2026, 7, 11)
    assert store.due_day_of("never") is None
    store.events.clear()
    # When the daily job runs just after midnight of 21 June (it last ran the day before)
    store.last_run = date(2026, 6, 20)
    store.read.clear()
    moved = reevaluate_due(store, datetime(2026, 6, 21, 0, 5, tzinfo=UTC))
    # Then only the early buyer was read, and it left
    assert moved == 1 and store.read == ["early"]
    assert moves(store.events) == [("SegmentExited", recent.id, "early")]
    assert store.due_day_of("early") is None and store.last_run == date(2026, 6, 21)
    # And a second run that day changes nothing
    assert reevaluate_due(store, datetime(2026, 6, 21, 0, 6, tzinfo=UTC)) == 0


def test_the_due_job_catches_up_the_days_it_missed() -> None:
    store = FakeSegments()
    create_segment(SegmentIn(name="Recent buyers", rules=RECENT_BUYERS), store)
    store.add_contact("early", {}, {"last_purchase_at": (NOW - timedelta(days=25)).isoformat()})
    reevaluate("early", store, now=NOW)
    store.last_run = date(2026, 6, 18)
    # When it next runs three days after the contact's due day
    assert reevaluate_due(store, datetime(2026, 6, 24, 0, 5, tzinfo=UTC)) == 1
    assert store.due_day_of("early") is None
