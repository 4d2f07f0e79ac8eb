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


class SurveyAnswered(ServiceDeskEvent):
    """A contact answered a ticket's satisfaction survey (CSAT 1-5 or NPS 0-10). Declared
    for loyalty's goodwill coupons and survey points; the surveys themselves come with the
    service desk's own issue."""

    survey_id: str
    ticket_id: str
    contact_id: str
    kind: str  # csat, nps
    score: int


EVENTS: list[type[Event]] = [TicketOpened, SurveyAnswered]
