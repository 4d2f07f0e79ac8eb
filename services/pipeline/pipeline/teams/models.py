"""Teams and reps: request and response bodies and the records assignment reads."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    computed_field,
    field_validator,
)

from shared.inputs import RequestModel
from shared.types import Email

DEFAULT_CAPACITY = 50
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# ISO 3166-1 alpha-2 country (``DE``) or ISO 3166-2 region (``CN-GD``), upper-cased.
Territory = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]
# BCP 47 primary language, optionally with a region or script (``en``, ``zh-Hans``, ``pt-BR``).
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


def _lower(value: str) -> str:
    return value.lower()


LanguageTag = Annotated[Language, AfterValidator(_lower)]


class RepStatus(StrEnum):
    ACTIVE = "active"  # receives new leads
    AWAY = "away"  # keeps their leads, gets no new ones
    OFF = "off"  # gone: their open leads are re-assigned by the rules


class WorkingHours(BaseModel):
    """When a rep works: periods per weekday (``mon`` .. ``sun``, ``HH:MM`` pairs, several a
    day) in an IANA time zone. First-contact deadlines count only these hours."""

    model_config = {"extra": "forbid"}

    timezone: str = Field(default="UTC", max_length=64)
    days: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _zones():
            raise ValueError(f"unknown IANA time zone {value!r}")
        return value

    @field_validator("days")
    @classmethod
    def _periods(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        for day, periods in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not one of {', '.join(WEEKDAYS)}")
            if len(periods) > 6:
                raise ValueError(f"{day}: at most 6 periods a day")
            last = ""
            for start, end in sorted(periods):
                if not (_CLOCK.match(start) and _CLOCK.match(end)) or start >= end:
                    raise ValueError(f"{day}: {start}-{end} is not a HH:MM period that starts before it ends")
                if start < last:
                    raise ValueError(f"{day}: periods overlap at {start}")
                last = end
        return value


@cache
def _zones() -> frozenset[str]:
    """Read once per process, on the first rep with working hours (it lists the tz database)."""
    return frozenset(available_timezones())


class RepIn(RequestModel):
    id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@:-]+$")
    name: str = Field(min_length=1, max_length=100)
    email: Email
    team_id: str | None = Field(default=None, min_length=1, max_length=64)
    territory: str | None = Field(default=None, min_length=1, max_length=50)  # one territory (older clients)
    territories: list[Territory] = Field(default_factory=list, max_length=50)
    skills: list[Tag] = Field(default_factory=list, max_length=50)
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20)
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


class TeamIn(RequestModel):
    id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    manager_id: str | None = Field(default=None, min_length=1, max_length=128)


class TeamPage(BaseModel):
    items: list[Team]
    next_cursor: str | None = None


class RepPatch(RequestModel):
    """What PATCH /reps/{id} may change; ``open_leads`` is the service's own count, never sent."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: Email | None = None
    team_id: str | None = Field(default=None, min_length=1, max_length=64)
    territories: list[Territory] | None = Field(default=None, max_length=50)
    skills: list[Tag] | None = Field(default=None, max_length=50)
    languages: list[LanguageTag] | None = Field(default=None, max_length=20)
    capacity: int | None = Field(default=None, ge=1, le=10_000, strict=True)
    status: RepStatus | None = None
    working_hours: WorkingHours | None = None
    manager_id: str | None = Field(default=None, min_length=1, max_length=128)


# What a sales rep may change on their own record: whether they take new leads.
SELF_SERVICE = frozenset({"status"})
