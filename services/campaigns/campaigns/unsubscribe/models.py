"""What an unsubscribe link's token says (tracking/links.py signed it)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MARKETING: Literal["marketing"] = (
    "marketing"  # what a campaign's or journey's email is sent under, and what is withdrawn
)


class OptOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    source: str = Field(alias="s", min_length=1)
    contact_id: str = Field(alias="c", min_length=1)
    channel: Literal["email", "sms"] = Field(default="email", alias="ch")

    @classmethod
    def of(cls, values: dict[str, Any] | None) -> OptOut | None:
        if values is None:
            return None
        try:
            return cls.model_validate(values)
        except ValidationError:
            return None
