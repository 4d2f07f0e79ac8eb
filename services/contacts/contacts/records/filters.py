"""The query parameters of the records routes, validated like bodies: GET /contacts's
filters (``ListFilters``, also an export's filter: contacts.exports.models.ExportFilter)
and POST /contacts's ``on_conflict``.

``created_from`` / ``created_to`` are ISO 8601 dates or date-times compared as instants
with the contacts' creation times (kept in UTC): a bound without an offset is UTC, and an
upper bound includes all of what it names at the precision written (a date its whole day,
``T10:30`` the whole minute)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from contacts.records.models import LifecycleStage, _country
from shared.inputs import PageQuery, QueryModel

CREATED_FORMAT = "an ISO 8601 date or date-time (e.g. 2026-01-31 or 2026-01-31T09:30:00+01:00)"
# The time part of an ISO 8601 date-time: its digits (hh, hhmm or hhmmss) and a fraction.
_TIME = re.compile(r"[T ](?P<digits>[0-9:]+)(?P<fraction>[.,][0-9]+)?")
_STEP_BY_DIGITS = {2: timedelta(hours=1), 4: timedelta(minutes=1), 6: timedelta(seconds=1)}


def created_start(raw: str) -> datetime:
    """The instant a bound names (its start), in UTC; ValueError when it is no ISO 8601 date(-time)."""
    value = datetime.fromisoformat(raw)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def created_end(raw: str) -> datetime:
    """The first instant after what an upper bound names, in UTC (exclusive)."""
    time = _TIME.search(raw[8:])  # after the date part (which may hold no separator)
    if time is None:
        step = timedelta(days=1)
    elif time.group("fraction"):
        step = timedelta(microseconds=1)
    else:
        step = _STEP_BY_DIGITS.get(len(time.group("digits").replace(":", "")), timedelta(microseconds=1))
    return created_start(raw) + step


class ListFilters(QueryModel):
    """GET /contacts's filters; each given one must match (and an export's filter, by the
    same names). Places and tags compare without case or accents."""

    stage: LifecycleStage | None = Field(default=None, description="The contacts' lifecycle stage.")
    owner: str | None = Field(default=None, min_length=1, max_length=64, description="The owner's (sales rep's) id.")
    tag: str | None = Field(default=None, min_length=1, max_length=50, description="A tag the contacts have.")
    company: str | None = Field(default=None, min_length=1, max_length=64, description="The company's id.")
    country: str | None = Field(
        default=None, min_length=2, max_length=2, description="An ISO 3166-1 alpha-2 country code (any case)."
    )
    region: str | None = Field(default=None, min_length=1, max_length=100, description="The address's region.")
    city: str | None = Field(default=None, min_length=1, max_length=100, description="The address's city.")
    created_from: str | None = Field(
        default=None,
        min_length=4,
        max_length=40,
        description=f"Created at or after this instant: {CREATED_FORMAT}; without an offset, UTC.",
    )
    created_to: str | None = Field(
        default=None,
        min_length=4,
        max_length=40,
        description=f"Created at or before this: {CREATED_FORMAT}; without an offset, UTC; a date includes "
        "its whole day (a time, its whole minute or second as written). Not before created_from.",
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A search: the start of a name, or an exact email or phone number.",
    )

    _check_country = field_validator("country")(_country)

    @field_validator("created_from")
    @classmethod
    def _from_instant(cls, raw: str | None) -> str | None:
        if raw is not None:
            try:
                created_start(raw)
            except ValueError:
                raise ValueError(f"must be {CREATED_FORMAT}") from None
        return raw

    @field_validator("created_to")
    @classmethod
    def _to_instant(cls, raw: str | None, info: ValidationInfo) -> str | None:
        if raw is None:
            return None
        try:
            end = created_end(raw)
        except ValueError:
            raise ValueError(f"must be {CREATED_FORMAT}") from None
        start = info.data.get("created_from")  # absent when created_from itself was refused
        if start is not None and end <= created_start(start):
            raise ValueError("must not be before created_from")
        return raw


class ContactListQuery(ListFilters, PageQuery):
    """GET /contacts: the filters, a segment's members, and the page."""

    segment: str | None = Field(
        default=None, min_length=1, max_length=64, description="A segment's id: only its members (it must exist)."
    )


class CreateQuery(QueryModel):
    """POST /contacts: what to do when the email or phone is already held."""

    on_conflict: Literal["error", "update"] = Field(
        default="error",
        description="`error` (the default): a 409 naming the holder; `update`: update the contact holding them.",
    )
