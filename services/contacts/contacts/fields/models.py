"""Custom field definitions: an admin defines them; contact writes are validated against them."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from shared.errors import field_error
from shared.inputs import RequestModel


class FieldType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"


class FieldDefIn(RequestModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    type: FieldType
    required: bool = False
    options: list[str] | None = Field(default=None, min_length=1, max_length=100)
    pattern: str | None = Field(default=None, max_length=200)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FieldDefIn:
        if self.type is FieldType.ENUM and not self.options:
            raise field_error("options", "an enum field needs options")
        if self.type is not FieldType.ENUM and self.options:
            raise field_error("options", "options are for enum fields only")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error:
                raise field_error("pattern", "pattern is not a valid regular expression") from None
        if self.min is not None and self.max is not None and self.min > self.max:
            raise field_error("max", "min is greater than max")
        return self


class FieldDef(FieldDefIn):
    created_at: datetime


class FieldDefList(BaseModel):
    items: list[FieldDef]
