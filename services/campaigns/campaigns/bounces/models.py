"""SES's bounce, complaint and delivery notifications, as read from the queue: SES -> SNS
topic (the identity's notification topic) -> SQS (raw delivery off: the body is SNS's
envelope, whose ``Message`` is SES's JSON). Only what is used is read.

Which email a notification is about: ``mail.messageId`` (SES's), and what the senders put
on each email: its tags (``source``, ``contact_id``; OutgoingEmail.tags), which SES writes in
``mail.tags`` (``{"source": ["campaign-..."]}``) for event publishing, and its headers
``X-Crm-Source`` / ``X-Crm-Contact-Id`` (OutgoingEmail.headers), which an identity's own
notifications carry in ``mail.headers`` once the identity includes original headers
(SetIdentityHeadersInNotificationsEnabled): identity notifications carry no tags.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from campaigns.tracking.links import CONTACT_HEADER, SOURCE_HEADER


class Kind(StrEnum):
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    DELIVERY = "Delivery"


class Feedback(BaseModel):
    kind: Kind
    feedback_id: str  # SES's, one per notification: what makes a redelivery a no-op
    ses_message_id: str
    bounce_type: str | None = None  # Permanent | Transient | Undetermined
    addresses: list[str]
    source: str | None = None
    contact_id: str | None = None
    at: datetime

    @property
    def suppresses(self) -> bool:
        """A hard bounce or a complaint: the address is never mailed again."""
        return self.kind is Kind.COMPLAINT or (self.kind is Kind.BOUNCE and self.bounce_type == "Permanent")


class UnreadableNotification(ValueError):
    """Not an SES notification this worker can read: retried, then the DLQ keeps it."""


# The headers a sender adds to each email, and the tag each stands for.
HEADERS = {SOURCE_HEADER.lower(): "source", CONTACT_HEADER.lower(): "contact_id"}


def _tags(mail: dict[str, Any]) -> dict[str, str]:
    raw = mail.get("tags") or {}
    if isinstance(raw, list):
        tags = {str(t.get("name")): str(t.get("value")) for t in raw if isinstance(t, dict)}
    else:
        tags = {str(k): str(v[0] if isinstance(v, list) and v else v) for k, v in raw.items() if v}
    for header in mail.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() in HEADERS:
            tags.setdefault(HEADERS[str(header["name"]).lower()], str(header.get("value", "")).strip())
    return tags


def _notification(body: Any) -> dict[str, Any]:
    """SES's notification out of SNS's envelope (or the notification itself: raw delivery)."""
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        try:
            body = json.loads(body["Message"])
        except ValueError:
            raise UnreadableNotification("the SNS message is not JSON") from None
    if not isinstance(body, dict):
        raise UnreadableNotification("not a JSON object")
    return body


def read_feedback(body: Any) -> Feedback | None:
    """The feedback in a queue message; None for what is not about an email (SNS's own
    messages, other notification types). UnreadableNotification when it claims to be one
    but lacks what every notification carries."""
    notification = _notification(body)
    kind_name = notification.get("notificationType") or notification.get("eventType")
    if kind_name not in {k.value for k in Kind}:
        return None
    kind = Kind(kind_name)
    mail = notification.get("mail")
    detail = notification.get(kind.value.lower())
    if not isinstance(mail, dict) or not isinstance(detail, dict) or not mail.get("messageId"):
        raise UnreadableNotification(f"a {kind.value} without its mail or {kind.value.lower()} object")
    if kind is Kind.BOUNCE:
        addresses = [r.get("emailAddress") for r in detail.get("bouncedRecipients") or []]
    elif kind is Kind.COMPLAINT:
        addresses = [r.get("emailAddress") for r in detail.get("complainedRecipients") or []]
    else:
        addresses = []
    tags = _tags(mail)
    ses_message_id = str(mail["messageId"])
    try:
        at = datetime.fromisoformat(str(detail.get("timestamp") or mail.get("timestamp")).replace("Z", "+00:00"))
    except ValueError:
        at = datetime.now(UTC)
    return Feedback(
        kind=kind,
        # A delivery has no feedback id: its message id is as unique (one delivery per email).
        feedback_id=str(detail.get("feedbackId") or f"{kind.value}-{ses_message_id}"),
        ses_message_id=ses_message_id,
        bounce_type=detail.get("bounceType") if kind is Kind.BOUNCE else None,
        addresses=[a for a in addresses if isinstance(a, str) and "@" in a],
        source=tags.get("source"),
        contact_id=tags.get("contact_id"),
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
    )
