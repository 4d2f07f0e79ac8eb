"""Teams and reps: request and response bodies and the records assignment reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from shared.inputs import RequestModel
from shared.types import Email

DEFAULT_CAPACITY = 50


class RepStatus(StrEnum):
    ACTIVE = "active"  # receives new leads
    AWAY = "away"  # keeps their leads, gets no new ones
    OFF = "off"  # gone: their open leads are re-assigned by the rules


class WorkingHours(BaseModel):
    """When a rep works: periods per weekday (``mon`` .. ``sun``, ``HH:MM`` pairs) in an IANA
    time zone. First-contact deadlines count only these hours."""

    timezone: str = "UTC"
    days: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)


class RepIn(RequestModel):
    id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@:-]+$")
    name: str = Field(min_length=1, max_length=100)
    email: Email
    team_id: str | None = Field(default=None, min_length=1, max_length=64)
    territory: str | None = Field(default=None, min_length=1, max_length=50)  # one territory (older clients)
    territories: list[str] = Field(default_factory=list, max_length=50)
    skills: list[str] = Field(default_factory=list, max_length=50)
    languages: list[str] = Field(default_factory=list, max_length=20)
    capacity: int = Field(default=DEFAULT_CAPACITY, ge=1, le=10_000, strict=True)
    status: RepStatus = RepStatus.ACTIVE
    working_hours: WorkingHours | None = None
    manager_id: str | None = Field(default=None, min_length=1, max_length=128)


class Rep(BaseModel):
    id: str
    name: str
    email: str
    team_id: str | None = None
    territories: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    capacity: int
    open_leads: int = 0
    status: RepStatus = RepStatus.ACTIVE
    working_hours: WorkingHours | None = None
    manager_id: str | None = None
    created_at: datetime
    version: int = 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def territory(self) -> str | None:
        """The first territory (the field older clients read)."""
        return self.territories[0] if self.territories else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def active(self) -> bool:
        return self.status is RepStatus.ACTIVE

    @property
    def has_room(self) -> bool:
        return self.active and self.open_leads < self.capacity


class RepPage(BaseModel):
    items: list[Rep]
    next_cursor: str | None = None


class Team(BaseModel):
    id: str
    name: str
    manager_id: str | None = None
    created_at: datetime
