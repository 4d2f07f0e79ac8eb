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


class Membership(BaseModel):
    """A contact's last known place in a segment: in or out, as of the event's ``occurred_at``
    (an exit is kept as a tombstone, so a late, older entry does not bring the contact back)."""

    member: bool
    at: datetime


class RecipientState(BaseModel):
    """What the audience keeps per contact: the recipient, and when each part of it was last
    decided, so a late or redelivered event never overrides a newer one.

    ``profile_at``: profile field → occurred_at of the change it holds; ``consent_at``:
    ``<channel>:<purpose>`` → the decision's ``at``; ``memberships``: segment → in/out.
    ``merged_into``: the contact was merged away (nothing of it is a recipient any more; a
    late consent decision of theirs goes to the winner). ``erased``: the contact was erased
    (the messages feature's mark): nothing is written for them again. ``version``: 0 when
    never stored, else the stored item's (each write is conditional on it)."""

    recipient: Recipient
    profile_at: dict[str, datetime] = Field(default_factory=dict)
    consent_at: dict[str, datetime] = Field(default_factory=dict)
    memberships: dict[str, Membership] = Field(default_factory=dict)
    merged_into: str | None = None
    erased: bool = False
    version: int = 0

    @property
    def contact_id(self) -> str:
        return self.recipient.contact_id

    def segment_ids(self) -> list[str]:
        return sorted(sid for sid, m in self.memberships.items() if m.member)


class AudienceCount(BaseModel):
    """What a campaign would reach now (GET /campaigns/{id}/audience): ``total`` contacts
    resolved (segments minus exclusions), ``eligible`` of them, and why the others are skipped."""

    total: int
    eligible: int
    skipped: dict[SkipReason, int] = Field(default_factory=dict)
