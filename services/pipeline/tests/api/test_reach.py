"""Record-level reach in pipeline (shared.reach: the lead carries its owner), against moto."""

from __future__ import annotations

import uuid
from typing import Any

from shared.sample_events import contact_erased, lead_created
from shared.testing import call, failed_ids, sqs_event


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _rep(client: Any, name: str) -> str:
    body = {"name": name, "email": f"{name.lower()}@example.com"}
    response = call(client, "POST", "/reps", body, role="manager")
    assert response.status_code == 201, response.body
    rep_id: str = response.json["id"]
    return rep_id


def _answer(client: Any, contact_id: str, rep: str) -> tuple[int, str]:
    response = call(client, "GET", f"/leads/{contact_id}", role="sales", subject=rep)
    return response.status_code, response.body.decode().replace(contact_id, "<id>")


def test_another_reps_lead_answers_exactly_like_a_missing_one(client: Any) -> None:
    # Given a lead pipeline assigned to rep B (the only rep)
    rep_b = _rep(client, "Bea")
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    _deliver(client, event)
    # When rep A asks for it, and for a lead that does not exist
    theirs, missing = _answer(client, contact_id, "rep-a"), _answer(client, str(uuid.uuid4()), "rep-a")
    # Then the same 404; rep B reads their lead
    assert theirs[0] == 404 and theirs == missing
    mine = _answer(client, contact_id, rep_b)
    assert mine[0] == 200 and f'"owner_id":"{rep_b}"' in mine[1]


def test_an_erased_lead_waiting_for_a_rep_is_not_assigned_later(client: Any) -> None:
    # Given a lead waiting (no rep yet), then erased
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    _deliver(client, event)
    _deliver(client, contact_erased(contact_id))
    # When a rep joins (RepAdded drains the queue through the consumer)
    _rep(client, "Cy")
    from pipeline.assignment.usecases import drain_unassigned
    from pipeline.bootstrap import assignment_repository
    from shared.events import EventMetadata

    cause = EventMetadata.model_validate(event.detail["metadata"])
    # Then nobody is given the erased person's lead
    assert drain_unassigned(cause, assignment_repository()) == 0
    assert call(client, "GET", f"/leads/{contact_id}", role="admin").json["assignment"] == "unassigned"
