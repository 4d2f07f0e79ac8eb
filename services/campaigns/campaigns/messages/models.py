"""Domain records and response bodies of the campaigns service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.inputs import PageQuery


class MessageStatus(StrEnum):
    SENDING = "sending"  # claimed: the send is in flight (or its process died mid-way)
    SENT = "sent"
    FAILED = "failed"


class Message(BaseModel):
    id: str
    contact_id: str
    template: str
    to: str
    status: MessageStatus
    sent_at: datetime | None = None
    ses_message_id: str | None = Field(default=None, exclude=True)
    created_at: datetime = Field(exclude=True)


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None = None


class MessageQuery(PageQuery):
    """GET /messages: a contact's messages (they are kept per contact: listing all would be a scan)."""

    contact_id: str = Field(min_length=1, max_length=64, description="The contact whose messages to list (required).")


class Recipient(BaseModel):
    contact_id: str
    email: str
    first_name: str | None = None


class Email(BaseModel):
    subject: str
    text: str
    html: str
