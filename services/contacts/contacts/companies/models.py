"""Companies' bodies (a company's domain is unique)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from shared.inputs import RequestModel


class SizeBand(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


DOMAIN_PATTERN = r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class CompanyIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    industry: str | None = Field(default=None, max_length=100)
    size: SizeBand | None = None
    region: str | None = Field(default=None, max_length=100)

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.lower().removeprefix("www.")
        if not re.match(DOMAIN_PATTERN, value):
            raise ValueError("not a domain name")
        return value


class CompanyPatch(CompanyIn):
    name: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]


class Company(BaseModel):
    id: str
    name: str
    domain: str | None = None
    industry: str | None = None
    size: SizeBand | None = None
    region: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class CompanyPage(BaseModel):
    items: list[Company]
    next_cursor: str | None = None
