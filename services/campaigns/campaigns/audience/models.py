"""The campaigns service's own view of a contact (kept from contacts' events, never asked of
contacts at send time): who they are, how to greet them, what they agreed to receive."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class SkipReason(StrEnum):
    """Why a recipient of a campaign or journey step got nothing (counted apart in reports)."""

    NO_CONSENT = "no_consent"  # never agreed, or withdrew, for this channel and purpose
    SUPPRESSED = "suppressed"  # the address bounced hard or complained, or an operator barred it
    NO_ADDRESS = "no_address"  # no email (or no phone for SMS)
    ERASED = "erased"  # the contact was erased, or is gone (merged away)
    QUOTA = "quota"  # a daily sending quota was reached
    CANCELLED = "cancelled"  # the campaign was cancelled before this recipient's turn


class Recipient(BaseModel):
    """``CONTACT#<id>``/``RECIPIENT``. ``consent`` maps ``<channel>:<purpose>`` (``email:marketing``)
    to the last decision contacts told us (``ConsentChanged``); absent means never asked."""

    contact_id: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    company: str | None = None
    birthday: date | None = None
    consent: dict[str, bool] = Field(default_factory=dict)
    segments: list[str] = Field(default_factory=list)
    updated_at: datetime | None = None

    def consents(self, channel: Channel, purpose: str = "marketing") -> bool:
        return self.consent.get(f"{channel.value}:{purpose}", False)

    def address(self, channel: Channel) -> str | None:
        return self.email if channel is Channel.EMAIL else self.phone

    def context(self) -> dict[str, str | None]:
        """What a template may name as ``contact.*`` (templates.rendering.CONTACT_FIELDS)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "language": self.language,
            "company": self.company,
        }
