"""Campaigns routes and consumer against moto's in-process AWS (Given/When/Then)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.sample_events import lead_created
from shared.testing import call, failed_ids, failed_positions, pending_outbox, ses_sent_count, sqs_event


def _messages(client: Any, query: str) -> Any:
    return call(client, "GET", f"/messages{query}", role="marketer")


def test_a_lead_delivered_three_times_gets_one_email(client: Any, table: str) -> None:
    # Given a LeadCreated event
    event = lead_created(email="ada@example.com")
    contact_id = event.detail["data"]["contact_id"]
    # When it is delivered three times (once as a duplicate inside one batch)
    for batch in ([event], [event, event]):
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event(batch))) == []
    # Then SES sent one email, the message is recorded as sent, and one EmailSent waits in the outbox
    assert ses_sent_count() == 1
    page = _messages(client, f"?contact_id={contact_id}").json
    assert page["next_cursor"] is None
    [message] = page["items"]
    assert set(message) == {"id", "contact_id", "template", "to", "status", "sent_at"}
    assert (message["template"], message["status"], message["to"]) == ("welcome", "sent", "ada@example.com")
    assert [e.detail["data"]["message_id"] for e in pending_outbox(table)] == [message["id"]]


def test_the_address_is_never_logged(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    client.lambda_.invoke("on_event", sqs_event([lead_created(email="secret.person@example.com")]))
    logged = " ".join(str(vars(record)) for record in caplog.records)
    assert "email sent" in logged  # the logs are captured, extras included...
    assert "secret.person" not in logged  # ...and hold no address


def test_poison_records_fail_alone(client: Any) -> None:
    good, broken = lead_created(), lead_created()
    broken.detail["data"].pop("email")
    assert failed_positions(client, [good, broken, "[]"]) == [1, 2]
    assert ses_sent_count() == 1


def test_contact_id_is_required(client: Any) -> None:
    response = _messages(client, "")
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "contact_id"


def test_a_contact_without_messages_has_an_empty_list(client: Any) -> None:
    assert _messages(client, "?contact_id=nobody").json == {"items": [], "next_cursor": None}


def test_routes_need_a_token_and_a_role(client: Any) -> None:
    assert client.http.get("/messages?contact_id=x").status_code == 401
    assert call(client, "GET", "/messages?contact_id=x", role="partner").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [("?contact_id=c1&limit=0", "limit"), ("?contact_id=c1&status=sent", "status"), ("?contact_id=", "contact_id")],
)
def test_query_parameters_are_checked(client: Any, query: str, field: str) -> None:
    response = _messages(client, query)
    assert response.status_code == 400 and [e["field"] for e in response.json["errors"]] == [field]
