"""What the senders hand to a provider and what comes back: one outgoing message per
recipient, already rendered, with its own headers (List-Unsubscribe), and one result each."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class OutgoingEmail(BaseModel):
    contact_id: str
    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str] = Field(default_factory=dict)  # List-Unsubscribe, List-Unsubscribe-Post
    tags: dict[str, str] = Field(default_factory=dict)  # SES message tags: source, campaign


class OutgoingSms(BaseModel):
    contact_id: str
    to: str  # E.164
    text: str


class Outcome(StrEnum):
    SENT = "sent"  # the provider accepted it: ``provider_id`` names it
    RETRY = "retry"  # throttled or a transient failure: nothing was sent, try again later
    FAILED = "failed"  # refused for good: ``reason`` says why (MessageRejected, ...)


class SendResult(BaseModel):
    contact_id: str
    outcome: Outcome
    provider_id: str | None = None
    reason: str | None = None
