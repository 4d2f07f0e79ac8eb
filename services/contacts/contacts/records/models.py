"""Request and response bodies of the contacts records API (contacts, companies, custom fields),
and the parameter objects of records' ports (IndexRead, MergeWrite)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator, model_validator

from shared.errors import field_error
from shared.events import Outgoing
from shared.inputs import RequestModel
from shared.types import Email, json_bounds

PHONE_PATTERN = r"^\+?[0-9 ()\-.]{6,20}$"
TAG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _\-:.]{0,49}$"
MAX_TAGS = 20


class LifecycleStage(StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    QUALIFIED = "qualified"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    CHURNED = "churned"


# How far along the funnel a stage is: a merge keeps the further one.
STAGE_ORDER = {stage: rank for rank, stage in enumerate(LifecycleStage)}


def _country(value: str | None) -> str | None:
    if value is None:
        return None
    from phonenumbers import SUPPORTED_REGIONS  # lazy: a large module; ISO-3166 alpha-2 (+ a few)

    upper = value.strip().upper()
    if upper not in SUPPORTED_REGIONS:
        raise ValueError("must be an ISO-3166 alpha-2 country code")
    return upper


class Address(RequestModel):
    country: str | None = Field(default=None, min_length=2, max_length=2)
    region: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    line1: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=20)

    _check_country = field_validator("country")(_country)


# Values are scalars (fields.models.FieldType), checked against the definitions later; the
# bounds keep any object, however odd, storable and serialisable until then.
CustomFieldValues = Annotated[dict[str, Any], json_bounds(max_depth=3, max_bytes=16 * 1024)]


class _ContactFields(RequestModel):
    """Fields a client may set on a contact (create and partial update share them)."""

    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    other_emails: list[Email] = Field(default_factory=list, max_length=5)
    other_phones: list[str] = Field(default_factory=list, max_length=5)
    title: str | None = Field(default=None, max_length=100)
    company: str | None = Field(default=None, max_length=200)
    company_id: str | None = Field(default=None, max_length=64)
    address: Address | None = None
    birthday: date | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    source: str | None = Field(default=None, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    custom_fields: CustomFieldValues = Field(default_factory=dict, max_length=50)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.match(TAG_PATTERN, tag):
                raise ValueError("a tag is 1-50 letters, digits, spaces or _-:.")
        return list(dict.fromkeys(t.lower() for t in tags))

    @field_validator("other_phones")
    @classmethod
    def _phones(cls, phones: list[str]) -> list[str]:
        for phone in phones:
            if not re.match(PHONE_PATTERN, phone):
                raise ValueError("not a phone number")
        return phones


class ContactIn(_ContactFields):
    email: Email
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    lifecycle_stage: LifecycleStage = LifecycleStage.LEAD


class ContactPatch(_ContactFields):
    """PATCH /{id}: only the fields present change; null clears an optional field."""

    email: Email | None = None
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    lifecycle_stage: LifecycleStage | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> ContactPatch:
        for name in ("email", "first_name", "last_name", "lifecycle_stage"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise field_error(name, f"{name} cannot be cleared")
        return self


class Contact(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    other_emails: list[str] = Field(default_factory=list)
    other_phones: list[str] = Field(default_factory=list)
    title: str | None = None
    company: str | None = None
    company_id: str | None = None
    address: Address | None = None
    birthday: date | None = None
    language: str | None = None
    source: str | None = None
    lifecycle_stage: LifecycleStage
    owner_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    # The token subject that created it (None for imports and older records): until the
    # contact has an owner, its creator keeps it within reach (contacts.reach).
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int
    # When the owner was recorded (LeadAssigned events arrive out of order): kept, not shown.
    owner_assigned_at: datetime | None = Field(default=None, exclude=True)

    @property
    def emails(self) -> list[str]:
        return [self.email, *self.other_emails]

    @property
    def phones(self) -> list[str]:
        return [p for p in [self.phone, *self.other_phones] if p]


# Fields a client sets; the rest (id, owner, creator, times, version) belong to the system.
EDITABLE = tuple(n for n in ContactPatch.model_fields)


@dataclass(frozen=True)
class IndexRead:
    """One page of an index entry partition (``Contacts.index_page``): the entries of
    ``field`` = ``value`` after the sk ``after``, whose sk (it starts with created_at) lies in
    ``created_from``..``created_to``, at most ``limit`` of them."""

    field: str
    value: str
    after: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class MergeWrite:
    """The merge's decisive transaction (``MergeStore.merge_profiles``): the winner as read
    and as merged, the loser, the events queued with it and ``also``, other features'
    TransactWriteItems entries (``{"Put": ...}`` / ``{"Update": ...}``) committed with it."""

    winner_before: Contact
    winner_after: Contact
    loser: Contact
    events: list[Outgoing]
    also: list[dict[str, Any]] = dataclass_field(default_factory=list)


# What DELETE /contacts/{id} keeps under the contact, hidden from every route (each answers
# 404 for a deleted contact, the GDPR export too) until an erasure removes it: the history
# (orders and refunds for accounting, interactions, the timeline, the metrics derived from
# them) and the consent records (proof of what the person agreed to). Segment memberships
# end with the delete (ContactDeleted: SegmentExited); the profile, its claims and index
# entries go at once.
KEPT_ON_DELETE = ("orders", "refunds", "interactions", "timeline", "metrics", "consents")


class ContactDeletion(BaseModel):
    """DELETE /contacts/{id}'s answer, when asked for (``Prefer: return=representation``)."""

    id: str
    deleted: bool = True
    deleted_at: datetime
    kept: list[str] = Field(default_factory=lambda: list(KEPT_ON_DELETE))
    erase: str  # the erasure that removes what is kept (GDPR)


class ContactPage(BaseModel):
    items: list[Contact]
    next_cursor: str | None = None


class Duplicate(BaseModel):
    contact: Contact
    score: float
    reasons: list[str]


class DuplicateList(BaseModel):
    items: list[Duplicate]


class MergeIn(RequestModel):
    other_id: str = Field(min_length=1, max_length=64)
