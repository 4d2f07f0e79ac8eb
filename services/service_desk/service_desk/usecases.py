"""What the service desk does, independent of HTTP and DynamoDB (tested with fakes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from service_desk.events import TicketOpened
from service_desk.models import Ticket, TicketIn, TicketPage, TicketStatus
from shared.events import Outgoing, new_event
from shared.observability import logger
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import OwnerBook, not_found

# What an erased person's tickets say instead of their words.
REDACTED = "[erased]"


class Tickets(Protocol):
    def add(self, ticket: Ticket, events: list[Outgoing]) -> None: ...
    def get(self, ticket_id: str) -> Ticket | None: ...
    def for_contact(
        self, contact_id: str, limit: int, start: dict[str, object] | None
    ) -> tuple[list[Ticket], dict[str, object] | None]: ...
    def redact(self, contact_id: str, text: str, at: datetime) -> int: ...


Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def open_ticket(
    data: TicketIn, opened_by: str, repo: Tickets, correlation_id: str | None = None, clock: Clock = _now
) -> Ticket:
    now = clock()
    fresh = {"id": str(uuid.uuid4()), "status": TicketStatus.OPEN, "opened_by": opened_by, "version": 1}
    ticket = Ticket.model_validate({**data.model_dump(), **fresh, "created_at": now, "updated_at": now})
    event = TicketOpened(
        ticket_id=ticket.id,
        contact_id=ticket.contact_id,
        subject=ticket.subject,
        channel=ticket.channel.value,
        priority=ticket.priority.value,
    )
    repo.add(ticket, [new_event(event, correlation_id=correlation_id)])
    return ticket


def get_ticket(ticket_id: str, repo: Tickets) -> Ticket:
    ticket = repo.get(ticket_id)
    if ticket is None:
        raise not_found("ticket", ticket_id)
    return ticket


def tickets_of_contact(contact_id: str, repo: Tickets, limit: int, cursor: str | None) -> TicketPage:
    of = f"service_desk/tickets/{contact_id}"  # a cursor is good for this contact's tickets only
    tickets, last = repo.for_contact(contact_id, limit, decode_cursor(cursor, of=of))
    return TicketPage(items=tickets, next_cursor=encode_cursor(last, of=of))


def forget_requester(contact_id: str, repo: Tickets, owners: OwnerBook, clock: Clock = _now) -> None:
    """ContactErased: the person's tickets stay (the desk's numbers: channel, priority,
    status, times) but what they wrote, subject and description, is redacted; the owner
    goes. Idempotent: a redacted ticket is left as it is."""
    redacted = repo.redact(contact_id, REDACTED, clock())
    owners.forget(contact_id)
    logger.info("requester erased", extra={"contact_id": contact_id, "tickets": redacted})
