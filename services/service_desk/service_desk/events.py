"""Events the service desk publishes (the contract other services read)."""

from __future__ import annotations

from shared.events import Event


class ServiceDeskEvent(Event):
    bus_source = "crm.service_desk"


class TicketOpened(ServiceDeskEvent):
    """A contact asked for help through some channel."""

    ticket_id: str
    contact_id: str
    subject: str
    channel: str  # email, phone, chat, web
    priority: str  # low, normal, high, urgent


EVENTS: list[type[Event]] = [TicketOpened]
