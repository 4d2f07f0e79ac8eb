"""Service desk use-cases against an in-memory repository (Given/When/Then)."""

from __future__ import annotations

from typing import Any

import pytest

from service_desk.models import Channel, Priority, Ticket, TicketIn, TicketStatus
from service_desk.usecases import get_ticket, open_ticket, tickets_of_contact
from shared.errors import NotFound
from shared.events import Outgoing


class FakeTickets:
    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.events: list[Outgoing] = []

    def add(self, ticket: Ticket, events: list[Outgoing]) -> None:
        self.tickets[ticket.id] = ticket
        self.events += events

    def get(self, ticket_id: str) -> Ticket | None:
        return self.tickets.get(ticket_id)

    def for_contact(self, contact_id: str, limit: int, start: Any) -> tuple[list[Ticket], None]:
        return [t for t in self.tickets.values() if t.contact_id == contact_id][:limit], None


def test_opening_a_ticket_publishes_ticket_opened() -> None:
    # Given a request from a contact by phone
    repo = FakeTickets()
    data = TicketIn(contact_id="c1", subject="Login", description="I cannot log in", channel="phone")
    # When an agent opens the ticket
    ticket = open_ticket(data, "agent-7", repo, correlation_id="corr-1")
    # Then it is open with defaults, and TicketOpened carries it
    assert (ticket.status, ticket.priority, ticket.channel) == (TicketStatus.OPEN, Priority.NORMAL, Channel.PHONE)
    assert ticket.opened_by == "agent-7"
    [event] = repo.events
    assert event.detail_type == "TicketOpened" and event.source == "crm.service_desk"
    assert event.detail["data"] == {
        "ticket_id": ticket.id,
        "contact_id": "c1",
        "subject": "Login",
        "channel": "phone",
        "priority": "normal",
    }
    assert event.detail["metadata"]["correlation_id"] == "corr-1"


def test_unknown_ticket_is_not_found() -> None:
    with pytest.raises(NotFound):
        get_ticket("nope", FakeTickets())


def test_an_opened_ticket_is_read_back() -> None:
    # Given an opened ticket
    repo = FakeTickets()
    opened = open_ticket(TicketIn(contact_id="c1", subject="Login", description="I cannot log in"), "agent-7", repo)
    # When it is read
    # Then it is the same ticket, at version 1
    assert get_ticket(opened.id, repo) == opened
    assert opened.version == 1


def test_a_contacts_tickets_are_listed_without_the_others() -> None:
    # Given two tickets of c1 and one of c2
    repo = FakeTickets()
    for contact_id in ("c1", "c2", "c1"):
        open_ticket(TicketIn(contact_id=contact_id, subject="s", description="d"), "agent-7", repo)
    # When c1's tickets are listed
    page = tickets_of_contact("c1", repo, 10, None)
    # Then only c1's come back, on one page
    assert [t.contact_id for t in page.items] == ["c1", "c1"]
    assert page.next_cursor is None
