"""Service desk routes against moto's in-process AWS (Given/When/Then)."""

from __future__ import annotations

from typing import Any

from shared.testing import call, pending_outbox


def _open(client: Any, role: str = "agent", **fields: Any) -> Any:
    body = {"contact_id": "c1", "subject": "Login", "description": "I cannot log in", **fields}
    return call(client, "POST", "/tickets", body, role=role)


def test_an_agent_opens_a_ticket(client: Any, table: str) -> None:
    # When an agent opens a ticket
    response = _open(client, priority="urgent", channel="chat")
    # Then it is created, can be read back, and TicketOpened waits in the outbox
    assert response.status_code == 201
    ticket = response.json
    assert response.headers["Location"] == f"/service-desk/tickets/{ticket['id']}"
    assert (ticket["status"], ticket["priority"], ticket["channel"]) == ("open", "urgent", "chat")
    read = call(client, "GET", f"/tickets/{ticket['id']}", role="manager")
    assert read.status_code == 200 and read.json == ticket
    [event] = pending_outbox(table)
    assert (event.source, event.detail_type, event.detail["data"]["ticket_id"]) == (
        "crm.service_desk",
        "TicketOpened",
        ticket["id"],
    )


def test_a_contacts_tickets_are_listed_newest_first(client: Any) -> None:
    ids = [_open(client, subject=f"s{i}").json["id"] for i in range(3)]
    _open(client, contact_id="someone-else")
    first = call(client, "GET", "/tickets?contact_id=c1&limit=2", role="agent").json
    second = call(client, "GET", f"/tickets?contact_id=c1&limit=2&cursor={first['next_cursor']}", role="agent").json
    assert [t["id"] for t in first["items"] + second["items"]] == ids[::-1]


def test_contact_id_is_required_to_list(client: Any) -> None:
    response = call(client, "GET", "/tickets", role="agent")
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "contact_id"


def test_bad_ticket_body_names_the_field(client: Any) -> None:
    response = _open(client, channel="fax", subject="")
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"channel", "subject"}


def test_unknown_ticket_is_404(client: Any) -> None:
    assert call(client, "GET", "/tickets/nope", role="agent").status_code == 404


def test_routes_need_a_token_and_a_role(client: Any) -> None:
    assert client.http.post("/tickets", body="{}").status_code == 401
    assert _open(client, role="marketer").status_code == 403
    assert call(client, "GET", "/tickets?contact_id=c1", role="partner").status_code == 403


def test_query_parameters_are_checked(client: Any) -> None:
    assert call(client, "GET", "/tickets?contact_id=c1&limit=100", role="agent").status_code == 200
    for path, field in [
        ("/tickets?contact_id=", "contact_id"),
        ("/tickets?contact_id=c1&limit=abc", "limit"),
        ("/tickets?contact_id=c1&status=open", "status"),
        ("/tickets/t1?expand=contact", "expand"),
    ]:
        response = call(client, "GET", path, role="agent")
        assert response.status_code == 400 and [e["field"] for e in response.json["errors"]] == [field], path
