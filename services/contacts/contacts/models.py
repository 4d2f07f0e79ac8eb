"""Request and response bodies of the contacts API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.http import RequestModel
from shared.types import Email


class LifecycleStage(StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    QUALIFIED = "qualified"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    CHURNED = "churned"


class ContactIn(RequestModel):
    email: Email
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()\-.]{6,20}$")
    company: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=50)


class Contact(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    company: str | None = None
    source: str | None = None
    lifecycle_stage: LifecycleStage
    owner_id: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int
