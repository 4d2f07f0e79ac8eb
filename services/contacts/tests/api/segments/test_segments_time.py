"""Segment rules that time alone changes: when they flip (pure), the due day recorded with
each evaluation, and the daily job that re-evaluates just the contacts due (against moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from contacts.segments.rules import facts_of, next_change
from contacts.segments.usecases import (
    ContactFacts,
    Definition,
    SegmentIn,
    create_segment,
    due_day,
    next_due,
    reevaluate,
)
from shared.testing import pending_outbox

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TABLE = "crm-dev-contacts"
RECENT = {"field": "last_purchase_at", "op": "within_days", "value": 30}


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def facts(last_purchase: datetime | None = None, birthday: str | None = None) -> dict[str, Any]:
    profile = {"birthday": birthday} if birthday else {}
    metrics = {"last_purchase_at": last_purchase.isoformat()} if last_purchase else {}
    return facts_of(profile, metrics, NOW)


# --- when a rule flips (pure) -------------------------------------------------------


def test_within_days_flips_just_after_its_last_day() -> None:
    bought = NOW - timedelta(days=10)
    assert next_change(RECENT, facts(bought), NOW) == bought + timedelta(days=30, microseconds=1)
    # A purchase dated in the future starts to count when it happens
    later = NOW + timedelta(days=2)
    assert next_change(RECENT, facts(later), NOW) == later
    # Past the window, or without a purchase, only a new purchase can change it
    assert next_change(RECENT, facts(NOW - timedelta(days=40)), NOW) is None
    assert next_change(RECENT, facts(), NOW) is None


def test_last_engaged_within_days_flips_exactly_like_last_purchase() -> None:
    engaged = {"field": "last_engaged_at", "op": "within_days", "value": 30}
    talked = NOW - timedelta(days=10)
    seen = facts_of({}, {"last_engaged_at": talked.isoformat()}, NOW)
    assert next_change(engaged, seen, NOW) == talked + timedelta(days=30, microseconds=1)
    definitions = [Definition("engaged", "Engaged lately", engaged)]
    alive = ContactFacts({"lifecycle_stage": "lead"}, {"last_engaged_at": NOW.isoformat()})
    assert next_due(alive, definitions, NOW) == NOW.date() + timedelta(days=31)
    assert next_change(engaged, facts_of({}, {}, NOW), NOW) is None


def test_comparisons_with_a_fixed_date_and_plain_facts_never_move_with_time() -> None:
    fixed = cond("last_purchase_at", "gte", "2026-01-01T00:00:00+00:00")
    assert next_change(fixed, facts(NOW - timedelta(days=3)), NOW) is None
    assert next_change(cond("country", "eq", "FR"), facts(NOW), NOW) is None


def test_birthday_window_and_age_flip_on_day_boundaries() -> None:
    # Birthday on 20 June: within 7 days from 13 June through the 20th
    seen = facts(birthday="1990-06-20")
    assert next_change(cond("birthday", "within_days", 7), seen, NOW) == datetime(2026, 6, 21, tzinfo=UTC)
    assert next_change(cond("birthday", "within_days", 2), seen, NOW) == datetime(2026, 6, 18, tzinfo=UTC)
    assert next_change(cond("age", "gte", 36), seen, NOW) == datetime(2026, 6, 20, tzinfo=UTC)
    # 29 February is celebrated on 1 March in a common year
    leap = facts(birthday="2000-02-29")
    assert next_change(cond("age", "gte", 30), leap, NOW) == datetime(2027, 3, 1, tzinfo=UTC)


def test_the_earliest_flip_counts_whatever_the_combinators_around_it() -> None:
    rule = {"all": [cond("country", "eq", "FR"), {"not": {"any": [RECENT, cond("age", "lt", 18)]}}]}
    seen = facts(NOW - timedelta(days=29), birthday="2000-12-01")
    assert next_change(rule, seen, NOW) == NOW - timedelta(days=29) + timedelta(days=30, microseconds=1)


def test_the_due_day_is_the_first_daily_run_after_the_flip() -> None:
    assert due_day(datetime(2026, 7, 1, 15, 0, tzinfo=UTC)) == date(2026, 7, 2)
    assert due_day(datetime(2026, 7, 1, tzinfo=UTC)) == date(2026, 7, 1)  # at midnight: that day's run


def test_a_contact_that_is_gone_is_never_due() -> None:
    definitions = [Definition("recent", "Recent buyers", RECENT)]
    alive = ContactFacts({"lifecycle_stage": "customer"}, {"last_purchase_at": NOW.isoformat()})
    assert next_due(alive, definitions, NOW) == NOW.date() + timedelta(days=31)
    gone = ContactFacts({"merged_into": "x"}, {"last_purchase_at": NOW.isoformat()})
    assert next_due(gone, definitions, NOW) is None


# --- the due index and the daily job (moto) ----------------------------------------


@pytest.fixture
def store(table: str) -> Iterator[Any]:
    from contacts.bootstrap import segment_store

    segment_store().forget_definitions()  # a new table per test
    yield segment_store()
    segment_store().forget_definitions()


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def put_customer(contact_id: str, last_purchase: datetime) -> None:
    pk = {"S": f"CONTACT#{contact_id}"}
    ddb().put_item(TableName=TABLE, Item={"pk": pk, "sk": {"S": "PROFILE"}, "lifecycle_stage": {"S": "customer"}})
    ddb().put_item(
        TableName=TABLE,
        Item={"pk": pk, "sk": {"S": "METRICS"}, "last_purchase_at": {"S": last_purchase.isoformat()}},
    )


def due_entries() -> dict[str, list[str]]:
    items = ddb().scan(TableName=TABLE)["Items"]  # test inspection only
    found: dict[str, list[str]] = {}
    for i in items:
        if i["pk"]["S"].startswith("IDX#seg_due#"):
            found.setdefault(i["pk"]["S"].removeprefix("IDX#seg_due#"), []).append(i["sk"]["S"])
    return {day: sorted(ids) for day, ids in found.items()}


def moves(segment_id: str) -> list[tuple[str, str]]:
    return [
        (e.detail_type, e.detail["data"]["contact_id"])
        for e in pending_outbox(TABLE)
        if e.detail_type in ("SegmentEntered", "SegmentExited") and e.detail["data"]["segment_id"] == segment_id
    ]


def test_a_recent_buyer_leaves_on_its_due_day_once_and_only_due_contacts_are_read(store: Any) -> None:
    from contacts.segments.due import reevaluate_due

    segment = create_segment(SegmentIn(name="Bought in the last 30 days", rules=RECENT), store)
    put_customer("old", NOW - timedelta(days=29))  # 30 days end tomorrow at 12:00
    put_customer("new", NOW - timedelta(days=1))
    assert len(reevaluate("old", store, now=NOW)) == 1 and len(reevaluate("new", store, now=NOW)) == 1
    leaves = NOW.date() + timedelta(days=2)
    assert due_entries() == {leaves.isoformat(): ["old"], (NOW.date() + timedelta(days=30)).isoformat(): ["new"]}

    # When the daily job runs on the days in between, nobody is due: nothing changes
    tomorrow = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time(), UTC) + timedelta(minutes=20)
    assert reevaluate_due(store, tomorrow) == 0
    # When it runs on the due day, then again the same day
    run = tomorrow + timedelta(days=1)
    assert reevaluate_due(store, run) == 1
    assert reevaluate_due(store, run) == 0
    # Then the old buyer exited once; the index no longer holds it; the count followed
    assert moves(segment.id) == [("SegmentEntered", "old"), ("SegmentEntered", "new"), ("SegmentExited", "old")]
    assert due_entries() == {(NOW.date() + timedelta(days=30)).isoformat(): ["new"]}
    assert store.get(segment.id).member_count == 1
    # Even without the last-run mark, a second pass over the day finds nothing to change
    store.set_due_last_run(leaves - timedelta(days=1))
    assert reevaluate_due(store, run) == 0
    # A contact that is gone (erased, deleted, merged away) leaves and is due no more
    ddb().delete_item(TableName=TABLE, Key={"pk": {"S": "CONTACT#new"}, "sk": {"S": "PROFILE"}})
    assert len(reevaluate("new", store, now=run)) == 1
    assert due_entries() == {}


def test_a_new_purchase_moves_the_due_entry_and_missed_days_are_caught_up(store: Any) -> None:
    from contacts.segments.due import reevaluate_due

    create_segment(SegmentIn(name="Recent", rules=RECENT), store)
    put_customer("c1", NOW - timedelta(days=20))
    reevaluate("c1", store, now=NOW)
    assert list(due_entries()) == [(NOW.date() + timedelta(days=11)).isoformat()]
    # A purchase today: the contact stays in, its due day moves (one entry, never two)
    put_customer("c1", NOW)
    assert reevaluate("c1", store, now=NOW) == []
    assert due_entries() == {(NOW.date() + timedelta(days=31)).isoformat(): ["c1"]}
    # The job last ran long ago and then missed the due day: the next run catches up
    store.set_due_last_run(NOW.date())
    later = datetime.combine(NOW.date() + timedelta(days=33), datetime.min.time(), UTC)
    assert reevaluate_due(store, later) == 1
    assert due_entries() == {}


def test_the_scheduled_function_runs_the_due_job(client: Any) -> None:
    from contacts.bootstrap import segment_store

    segment_store().forget_definitions()
    assert client.lambda_.invoke("segments_due", {}).payload == {"moves": 0}
