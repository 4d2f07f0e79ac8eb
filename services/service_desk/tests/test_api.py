"""Service desk routes against moto's in-process AWS (Given/When/Then)."""

from __future__ import annotations

import json
from typing import Any

from shared.testing import bearer, pending_outbox


def _open(client: Any, role: str = "agent", **fields: Any) -> Any:
    body = {"contact_id": "c1", "subject": "Login", "description": "I cannot log in", **fields}
    return client.http.post("/tickets", headers=bearer(role), body=json.dumps(body))


def test_an_agent_opens_a_ticket(client: Any, table: str) -> None:
    # When an agent opens a ticket
    response = _open(client, priority="urgent", channel="chat")
    # Then it is created, can be read back, and TicketOpened waits in the outbox
    assert response.status_code == 201
    ticket = response.json_body
    assert response.headers["Location"] == f"/service-desk/tickets/{ticket['id']}"
    assert (ticket["status"], ticket["priority"], ticket["channel"]) == ("open", "urgent", "chat")
    read = client.http.get(f"/tickets/{ticket['id']}", headers=bearer("sales"))
    assert read.status_code == 200 and read.json_body == ticket
    [event] = pending_outbox(table)
    assert (event.source, event.detail_type, event.detail["data"]["ticket_id"]) == (
        "crm.service_desk",
        "TicketOpened",
        ticket["id"],
    )


def test_a_contacts_tickets_are_listed_newest_first(client: Any) -> None:
    ids = [_open(client, subject=f"s{i}").json_body["id"] for i in range(3)]
    _open(client, contact_id="someone-else")
    first = client.http.get("/tickets?contact_id=c1&limit=2", headers=bearer("agent")).json_body
    second = client.http.get(
        f"/tickets?contact_id=c1&limit=2&cursor={first['next_cursor']}", headers=bearer("agent")
    ).json_body
    assert [t["id"] for t in first["items"] + second["items"]] == ids[::-1]


def test_contact_id_is_required_to_list(client: Any) -> None:
    response = client.http.get("/tickets", headers=bearer("agent"))
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "contact_id"


def test_bad_ticket_body_names_the_field(client: Any) -> None:
    response = _open(client, channel="fax", subject="")
    assert response.status_code == 422
    assert {e["field"] for e in response.json_body["errors"]} == {"channel", "subject"}


def test_unknown_ticket_is_404(client: Any) -> None:
    assert client.http.get("/tickets/nope", headers=bearer("agent")).status_code == 404


def test_routes_need_a_token_and_a_role(client: Any) -> None:
    assert client.http.post("/tickets", body="{}").status_code == 401
    assert _open(client, role="marketer").status_code == 403
    assert client.http.get("/tickets?contact_id=c1", headers=bearer("partner")).status_code == 403
