"""The event contract: envelope, metadata, and the base class of every typed event.

On the bus: ``source`` = ``crm.<service>``, ``detail-type`` = the event's class name
(past tense), ``detail`` = ``{"metadata": {...}, "data": {...}}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class EventMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str
    event_version: int = Field(ge=1)
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None = None


class Event(BaseModel):
    """Base of a producer's event payload (``data``). Producers forbid unknown fields."""

    model_config = ConfigDict(extra="forbid")

    bus_source: ClassVar[str]  # "crm.<service>"
    version: ClassVar[int] = 1

    @classmethod
    def detail_type(cls) -> str:
        return cls.__name__


class IncomingEvent(BaseModel):
    """Base of a consumer's view of an event: a tolerant reader that ignores what it does not use."""

    model_config = ConfigDict(extra="ignore")


DataT = TypeVar("DataT", bound=BaseModel)


class Envelope(BaseModel, Generic[DataT]):
    model_config = ConfigDict(extra="ignore")

    metadata: EventMetadata
    data: DataT


class Outgoing(BaseModel):
    """An event ready for the bus (what the outbox stores and the relay sends)."""

    event_id: str
    source: str
    detail_type: str
    detail: dict[str, Any]


def new_event(
    event: Event,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Outgoing:
    event_id = str(uuid.uuid4())
    metadata = EventMetadata(
        event_id=event_id,
        event_version=event.version,
        occurred_at=datetime.now(UTC),
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
    )
    return Outgoing(
        event_id=event_id,
        source=event.bus_source,
        detail_type=event.detail_type(),
        detail={"metadata": metadata.model_dump(mode="json"), "data": event.model_dump(mode="json")},
    )


def follow_up(event: Event, cause: EventMetadata) -> Outgoing:
    """An event caused by another one: same correlation id, causation = the cause's id."""
    return new_event(event, correlation_id=cause.correlation_id, causation_id=cause.event_id)


def envelope_schema(event_cls: type[Event]) -> dict[str, Any]:
    """JSON Schema of the full ``detail`` for one event class (committed; drift-tested)."""
    schema = Envelope[event_cls].model_json_schema()  # type: ignore[valid-type]
    schema["title"] = f"{event_cls.bus_source}.{event_cls.detail_type()}.v{event_cls.version}"
    schema["x-source"] = event_cls.bus_source
    schema["x-detail-type"] = event_cls.detail_type()
    schema["x-version"] = event_cls.version
    return schema
