"""What the campaigns service does, independent of HTTP, SES and DynamoDB (tested with fakes).

An email goes out once: the message item, keyed by (contact, template), is claimed with a
conditional write before SES is called, so a redelivered event finds the claim and sends
nothing. The price is at-most-once when a process dies between the send and recording
it: the message then stays in ``sending`` for an operator to check, rather than going twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Protocol

from campaigns.events import EmailSendFailed, EmailSent
from campaigns.messages.mailer import SendDeferred, SendRejected
from campaigns.messages.models import Email, Message, MessagePage, MessageStatus, Recipient
from shared.events import EventMetadata, Outgoing, follow_up
from shared.observability import logger
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import OwnerBook

# The welcome email, in code until stored, editable templates arrive with campaigns proper.
WELCOME = "welcome"
# What an erased person's messages say they were sent to.
ERASED_ADDRESS = "erased"


def welcome(first_name: str | None) -> Email:
    name = (first_name or "").strip() or "there"
    return Email(
        subject="Welcome!",
        text=f"Hi {name},\n\nThanks for getting in touch. We will be in contact soon.\n",
        html=f"<p>Hi {escape(name)},</p><p>Thanks for getting in touch. We will be in contact soon.</p>",
    )


class Messages(Protocol):
    def get(self, contact_id: str, template: str) -> Message | None: ...
    def claim(self, message: Message) -> bool: ...
    def release(self, message: Message) -> None: ...
    def finish(self, message: Message, events: list[Outgoing]) -> None: ...
    def list_for_contact(
        self, contact_id: str, limit: int, start: dict[str, object] | None
    ) -> tuple[list[Message], dict[str, object] | None]: ...
    def anonymise(self, contact_id: str, address: str, at: datetime) -> int: ...


class Mailer(Protocol):
    def send(self, to: str, email: Email) -> str: ...


Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def send_welcome(
    recipient: Recipient, cause: EventMetadata, repo: Messages, mailer: Mailer, clock: Clock = _now
) -> Message:
    """LeadCreated: send the welcome email once per contact and record it."""
    contact_id, to = recipient.contact_id, recipient.email
    existing = repo.get(contact_id, WELCOME)
    if existing is not None:
        return existing
    message = Message(
        id=str(uuid.uuid4()),
        contact_id=contact_id,
        template=WELCOME,
        to=to,
        status=MessageStatus.SENDING,
        created_at=clock(),
    )
    if not repo.claim(message):
        # A twin delivery claimed it first: it sends, we do not.
        return repo.get(contact_id, WELCOME) or message
    try:
        ses_message_id = mailer.send(to, welcome(recipient.first_name))
    except SendDeferred:
        repo.release(message)  # nothing was sent: let the queue retry from scratch
        raise
    except SendRejected as exc:
        logger.warning("email rejected", extra={"contact_id": contact_id, "template": WELCOME, "code": exc.code})
        failed = message.model_copy(update={"status": MessageStatus.FAILED})
        refused = EmailSendFailed(message_id=message.id, contact_id=contact_id, template=WELCOME, reason=exc.code)
        repo.finish(failed, [follow_up(refused, cause)])
        return failed
    sent = message.model_copy(
        update={"status": MessageStatus.SENT, "ses_message_id": ses_message_id, "sent_at": clock()}
    )
    event = EmailSent(message_id=sent.id, contact_id=contact_id, template=WELCOME, ses_message_id=ses_message_id)
    repo.finish(sent, [follow_up(event, cause)])
    logger.info("email sent", extra={"contact_id": contact_id, "template": WELCOME, "message_id": sent.id})
    return sent


def list_messages(contact_id: str, repo: Messages, limit: int, cursor: str | None) -> MessagePage:
    of = f"campaigns/messages/{contact_id}"  # a cursor is good for this contact's messages only
    messages, last = repo.list_for_contact(contact_id, limit, decode_cursor(cursor, of=of))
    return MessagePage(items=messages, next_cursor=encode_cursor(last, of=of))


def forget_recipient(contact_id: str, repo: Messages, owners: OwnerBook, clock: Clock = _now) -> None:
    """ContactErased: the person's messages keep their template and outcome (what was sent,
    for the campaign's numbers) but no longer their address, and nothing more is sent to
    them (a LeadCreated retried after the erasure claims nothing); the owner goes. Idempotent."""
    anonymised = repo.anonymise(contact_id, ERASED_ADDRESS, clock())
    owners.forget(contact_id)
    logger.info("recipient erased", extra={"contact_id": contact_id, "messages": anonymised})
