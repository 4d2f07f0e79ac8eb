"""Privacy's bodies: consent (per channel and purpose; the current state is the CONSENT
item's map ``state``: ``{"<channel>:<purpose>": {"granted": bool, "at": iso, "source": str}}``)
and the GDPR export and erasure answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, StrictBool

from shared.inputs import RequestModel


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class Purpose(StrEnum):
    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"
    NEWSLETTER = "newsletter"
    PROFILING = "profiling"


class ConsentIn(RequestModel):
    channel: Channel
    purpose: Purpose
    granted: StrictBool
    source: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_\-:.]+$")


class ConsentEntry(BaseModel):
    channel: str
    purpose: str
    granted: bool
    source: str
    at: datetime


class ConsentView(BaseModel):
    contact_id: str
    state: dict[str, dict[str, Any]]
    history: list[ConsentEntry]
    next_cursor: str | None = None


class Export(BaseModel):
    contact_id: str
    exported_at: datetime
    items: list[dict[str, Any]]


class Deleted(BaseModel):
    """What records' delete left for an erasure (its DELETED marker): when, and the
    suppression keys of the contact's emails, already hashed (table.keys.suppression_pk)."""

    deleted_at: datetime
    suppress: list[str] = []


class Erasure(BaseModel):
    contact_id: str
    erased_at: datetime


def state_key(channel: str, purpose: str) -> str:
    return f"{channel}:{purpose}"
