"""What a tracking link's token says (tokens.py signed it; links.py wrote it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Visit(BaseModel):
    """A pixel fetched or a link followed: whose email, from which source, sent when."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    source: str = Field(alias="s", min_length=1)
    campaign_id: str | None = Field(default=None, alias="k")
    contact_id: str = Field(alias="c", min_length=1)
    sent_at: datetime = Field(alias="t")
    url: str | None = Field(default=None, alias="u")

    @classmethod
    def of(cls, values: dict[str, Any] | None) -> Visit | None:
        """The visit a verified token's values name; None when they do not fit (an old shape)."""
        if values is None:
            return None
        try:
            visit = cls.model_validate({**values, "t": datetime.fromtimestamp(int(values["t"]), UTC)})
        except (ValidationError, KeyError, TypeError, ValueError, OverflowError):
            return None
        return visit
