"""What a sender is asked to do and what it did: one request sends one template to up to
100 contacts from one *source* (a campaign run or a journey step), on one channel; each
(source, channel, contact) is sent at most once, whoever asks and however often."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from campaigns.audience.models import Channel

MAX_CONTACTS = 100


class SendRequest(BaseModel):
    source: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$")  # campaign-<id>-<run> | journey-<id>-<step>
    channel: Channel
    template_id: str
    contact_ids: list[str] = Field(min_length=1, max_length=MAX_CONTACTS)
    purpose: str = "marketing"  # the consent purpose checked right before the send
    campaign_id: str | None = None  # counters and links; None for a journey step
    campaign_name: str | None = None
    variant: str | None = None  # the A/B variant these recipients are in
    subject: str | None = None  # the variant's subject, instead of the template's
    context: dict[str, Any] = Field(default_factory=dict)  # more template variables (a journey's)


class SendContended(Exception):
    """Another delivery claimed (or settled) some of these recipients first: read them again."""


class SendStatus(StrEnum):
    SENDING = "sending"  # claimed; the provider call is in flight (or its process died)
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class SendRecord(BaseModel):
    """``SEND#<source>#<channel>``/``CONTACT#<id>``: written (claimed) before the provider
    call, settled after it."""

    source: str
    channel: Channel
    contact_id: str
    status: SendStatus
    reason: str | None = None  # why skipped or failed
    provider_id: str | None = None
    variant: str | None = None
    claimed_at: datetime
    settled_at: datetime | None = None


class SendSummary(BaseModel):
    """What one request did; ``pending`` are the contacts still to send (throttled, or claimed
    by a delivery still in flight): the caller asks again later for them."""

    sent: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    failed: dict[str, int] = Field(default_factory=dict)
    already: int = 0  # settled by an earlier delivery of the same request
    pending: list[str] = Field(default_factory=list)
