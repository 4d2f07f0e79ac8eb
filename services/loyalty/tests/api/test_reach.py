"""Record-level reach and erasure in loyalty (shared.reach, shared.owners), against moto."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.sample_events import contact_erased, lead_assigned, lead_created
from shared.testing import call, failed_ids, sqs_event

REP_A, REP_B = "rep-a", "rep-b"
ROUTES = ["/members/{id}", "/members/{id}/ledger"]


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _member_of(client: Any, rep: str | None) -> str:
    event = lead_created()
    contact_id: str = event.detail["data"]["contact_id"]
    _deliver(client, event)
    if rep is not None:
        _deliver(client, lead_assigned(contact_id, rep))
    return contact_id


def _answer(client: Any, route: str, contact_id: str, rep: str) -> tuple[int, str]:
    response = call(client, "GET", route.format(id=contact_id), role="sales", subject=rep)
    return response.status_code, response.body.decode().replace(contact_id, "<id>")


@pytest.mark.parametrize("route", ROUTES)
def test_another_reps_member_answers_exactly_like_a_missing_one(client: Any, route: str) -> None:
    # Given a member whose contact pipeline assigned to rep B
    contact_id = _member_of(client, REP_B)
    # When rep A asks for it, and for a member that does not exist
    theirs, missing = _answer(client, route, contact_id, REP_A), _answer(client, route, str(uuid.uuid4()), REP_A)
    # Then both are the same 404, word for word; rep B and an agent read it
    assert theirs[0] == 404 and theirs == missing
    assert _answer(client, route, contact_id, REP_B)[0] == 200
    assert call(client, "GET", route.format(id=contact_id), role="agent").status_code == 200


def test_an_unassigned_member_is_outside_every_reps_reach(client: Any) -> None:
    contact_id = _member_of(client, None)
    assert _answer(client, ROUTES[0], contact_id, REP_A)[0] == 404
    assert call(client, "GET", f"/members/{contact_id}", role="manager").status_code == 200


def test_the_newest_assignment_wins_whatever_the_order(client: Any) -> None:
    # Given a member assigned to A at 10:00, then to B at 11:00, delivered newest first
    contact_id = _member_of(client, None)
    _deliver(client, lead_assigned(contact_id, REP_B, "2026-01-01T11:00:00Z"))
    _deliver(client, lead_assigned(contact_id, REP_A, "2026-01-01T10:00:00Z"))
    # Then B owns it, not A
    assert _answer(client, ROUTES[0], contact_id, REP_B)[0] == 200
    assert _answer(client, ROUTES[0], contact_id, REP_A)[0] == 404
    # And a later re-assignment to A moves it
    _deliver(client, lead_assigned(contact_id, REP_A, "2026-01-01T12:00:00Z"))
    assert (_answer(client, ROUTES[0], contact_id, REP_A)[0], _answer(client, ROUTES[0], contact_id, REP_B)[0]) == (
        200,
        404,
    )


def test_an_erased_member_keeps_its_ledger_and_loses_its_owner(client: Any) -> None:
    # Given rep B's member
    contact_id = _member_of(client, REP_B)
    # When the contact is erased (delivered twice)
    erased = contact_erased(contact_id)
    _deliver(client, erased)
    _deliver(client, erased)
    # Then the ledger stays for accounting, and no rep reaches the member any more
    ledger = call(client, "GET", f"/members/{contact_id}/ledger", role="manager").json
    assert [e["points"] for e in ledger["items"]] == [200]
    assert _answer(client, ROUTES[0], contact_id, REP_B)[0] == 404
