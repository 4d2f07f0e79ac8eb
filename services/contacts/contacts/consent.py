"""Consent per channel and purpose: an append-only record of every grant and withdrawal
(proof: who said what, where, when) and the current state, changed together with a
ConsentChanged event in one transaction.

The current state is the CONSENT item's map ``state``:
``{"<channel>:<purpose>": {"granted": bool, "at": iso, "source": str}}`` (records' merge
reads and writes this exact shape; an opt-out always survives a merge).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field, StrictBool

from contacts.events import ConsentChanged
from shared.errors import NotFound
from shared.events import Outgoing, new_event
from shared.http import RequestModel


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


class ConsentStore(Protocol):
    def record(self, contact_id: str, entry: ConsentEntry, event: Outgoing) -> bool: ...
    def state(self, contact_id: str) -> dict[str, dict[str, Any]] | None: ...
    def history(self, contact_id: str, limit: int, cursor: str | None) -> tuple[list[ConsentEntry], str | None]: ...


def state_key(channel: str, purpose: str) -> str:
    return f"{channel}:{purpose}"


def record_consent(
    contact_id: str, data: ConsentIn, store: ConsentStore, correlation_id: str | None = None
) -> ConsentEntry:
    entry = ConsentEntry(
        channel=data.channel.value,
        purpose=data.purpose.value,
        granted=data.granted,
        source=data.source,
        at=datetime.now(UTC),
    )
    event = ConsentChanged(contact_id=contact_id, **entry.model_dump())
    if not store.record(contact_id, entry, new_event(event, correlation_id=correlation_id)):
        raise NotFound(f"contact {contact_id} not found")
    return entry


def consents(contact_id: str, store: ConsentStore, limit: int, cursor: str | None) -> ConsentView:
    state = store.state(contact_id)
    if state is None:
        raise NotFound(f"contact {contact_id} not found")
    history, next_cursor = store.history(contact_id, limit, cursor)
    return ConsentView(contact_id=contact_id, state=state, history=history, next_cursor=next_cursor)
