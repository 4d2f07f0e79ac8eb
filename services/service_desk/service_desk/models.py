"""Request and response bodies and domain records of the service desk."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.inputs import PageQuery, RequestModel


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    WEB = "web"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketStatus(StrEnum):
    OPEN = "open"


class TicketIn(RequestModel):
    contact_id: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10_000)
    channel: Channel = Channel.WEB
    priority: Priority = Priority.NORMAL


class Ticket(BaseModel):
    id: str
    contact_id: str
    subject: str
    description: str
    channel: Channel
    priority: Priority
    status: TicketStatus
    opened_by: str  # the principal (agent, or the web form's service account)
    created_at: datetime
    updated_at: datetime
    version: int


class TicketPage(BaseModel):
    items: list[Ticket]
    next_cursor: str | None = None


class TicketQuery(PageQuery):
    """GET /tickets: a contact's tickets (listing them all would be a scan)."""

    contact_id: str = Field(min_length=1, max_length=64, description="The contact whose tickets to list (required).")
