"""A new segment, or new rules, are applied to the contacts already stored: an
asynchronous backfill over the ALL index, one page per event (against moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from shared.events import Outgoing
from shared.testing import call, failed_ids, pending_outbox, sqs_event

TABLE = "crm-dev-contacts"
VIP = {"field": "tags", "op": "contains", "value": "vip"}
GOLD = {"field": "tags", "op": "contains", "value": "gold"}


@pytest.fixture
def api(client: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from contacts.bootstrap import segment_store
    from contacts.segments import backfill as segments_backfill

    monkeypatch.setattr(segments_backfill, "PAGE_SIZE", 3)  # several pages from a few contacts
    segment_store().forget_definitions()  # a new table per test
    yield client
    segment_store().forget_definitions()


def status_body(response: Any) -> Any:
    """(status, parsed body) of a shared.testing.call response."""
    return response.status_code, response.json


def new_contacts(client: Client, tags: list[list[str]]) -> list[str]:
    ids = []
    for n, contact_tags in enumerate(tags):
        body = {"email": f"c{n}@example.com", "first_name": "C", "last_name": f"N{n}", "tags": contact_tags}
        status, created = status_body(call(client, "post", "/", body, role="sales"))
        assert status == 201, created
        ids.append(created["id"])
    return ids


def drive(client: Client, delivered: set[str]) -> list[Outgoing]:
    """Deliver every pending backfill event to on_event until none is left (the bus and
    our queue would); returns what was delivered."""
    sent: list[Outgoing] = []
    while True:
        pending = [
            e
            for e in pending_outbox(TABLE)
            if e.detail_type in ("SegmentDefined", "SegmentBackfillProgressed") and e.event_id not in delivered
        ]
        if not pending:
            return sent
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event(pending))) == []
        delivered.update(e.event_id for e in pending)
        sent += pending


def moves(segment_id: str) -> list[tuple[str, str]]:
    return sorted(
        (e.detail_type, e.detail["data"]["contact_id"])
        for e in pending_outbox(TABLE)
        if e.detail_type in ("SegmentEntered", "SegmentExited") and e.detail["data"]["segment_id"] == segment_id
    )


def count_calls() -> dict[str, int]:
    """DynamoDB operations made through the service's client from now on, by name."""
    from shared.aws import client

    calls: dict[str, int] = {}

    def count(model: Any, **_: Any) -> None:
        calls[model.name] = calls.get(model.name, 0) + 1

    client("dynamodb").meta.events.register("before-call.dynamodb", count)
    return calls


def test_a_new_segment_takes_in_the_contacts_already_stored_page_by_page(api: Client) -> None:
    # Given 8 contacts stored before the segment exists, 3 of them VIPs (never evaluated:
    # their LeadCreated events are not delivered)
    ids = new_contacts(api, [["vip"], [], ["vip", "gold"], [], [], ["gold"], ["vip"], []])
    vips = [ids[0], ids[2], ids[6]]
    calls = count_calls()
    # When a segment is created
    status, segment = status_body(call(api, "post", "/segments", {"name": "VIPs", "rules": VIP}, role="marketer"))
    assert status == 201 and segment["backfill"]["state"] == "running" and segment["member_count"] == 0
    # Then its backfill runs through the bus, one page (3 contacts) per event
    delivered: set[str] = set()
    sent = drive(api, delivered)
    assert [e.detail_type for e in sent] == ["SegmentDefined"] + ["SegmentBackfillProgressed"] * 3
    assert [e.detail["data"]["done"] for e in sent[1:]] == [False, False, True]
    _, after = status_body(call(api, "get", f"/segments/{segment['id']}", role="marketer"))
    assert after["backfill"]["state"] == "done" and after["backfill"]["evaluated"] == 8
    assert after["member_count"] == 3
    assert moves(segment["id"]) == sorted(("SegmentEntered", c) for c in vips)
    assert calls.get("Scan", 0) == 0  # pages of the ALL index, never a scan

    # When every backfill event is delivered again: nothing more happens
    assert failed_ids(api.lambda_.invoke("on_event", sqs_event(sent))) == []
    assert moves(segment["id"]) == sorted(("SegmentEntered", c) for c in vips)
    assert status_body(call(api, "get", f"/segments/{segment['id']}", role="marketer"))[1]["member_count"] == 3


def test_new_rules_re_evaluate_everyone_and_the_old_run_stops(api: Client) -> None:
    ids = new_contacts(api, [["vip"], ["gold"], ["vip", "gold"], []])
    _, segment = status_body(call(api, "post", "/segments", {"name": "Best", "rules": VIP}, role="marketer"))
    delivered: set[str] = set()
    # The first page of the first run only, then the rules change
    [defined] = [e for e in pending_outbox(TABLE) if e.detail_type == "SegmentDefined"]
    api.lambda_.invoke("on_event", sqs_event([defined]))
    delivered.add(defined.event_id)
    [first_page] = [e for e in pending_outbox(TABLE) if e.detail_type == "SegmentBackfillProgressed"]
    status, patched = status_body(
        call(api, "patch", f"/segments/{segment['id']}", {"rules": GOLD}, role="admin", headers={"If-Match": '"1"'})
    )
    assert status == 200 and patched["backfill"] == {**patched["backfill"], "state": "running", "version": 2}
    # The old run's next page is ignored; the new run evaluates everyone against the new rules
    api.lambda_.invoke("on_event", sqs_event([first_page]))
    delivered.add(first_page.event_id)
    drive(api, delivered)
    _, after = status_body(call(api, "get", f"/segments/{segment['id']}", role="marketer"))
    assert (after["backfill"]["state"], after["backfill"]["version"], after["backfill"]["evaluated"]) == ("done", 2, 4)
    assert after["member_count"] == 2
    members = {
        m["contact_id"]
        for m in status_body(call(api, "get", f"/segments/{segment['id']}/members", role="marketer"))[1]["items"]
    }
    assert members == {ids[1], ids[2]}
    assert ("SegmentExited", ids[0]) in moves(segment["id"])

    # A change of name only does not start a backfill
    status, renamed = status_body(
        call(api, "patch", f"/segments/{segment['id']}", {"name": "Gold"}, role="admin", headers={"If-Match": '"2"'})
    )
    assert status == 200 and renamed["backfill"]["version"] == 2 and drive(api, delivered) == []


def test_a_deleted_segment_stops_its_backfill(api: Client) -> None:
    new_contacts(api, [["vip"]] * 4)
    _, segment = status_body(call(api, "post", "/segments", {"name": "VIPs", "rules": VIP}, role="marketer"))
    assert status_body(call(api, "delete", f"/segments/{segment['id']}", role="admin"))[0] == 204
    delivered: set[str] = set()
    sent = drive(api, delivered)
    assert [e.detail_type for e in sent] == ["SegmentDefined"]
    assert moves(segment["id"]) == []
