"""Campaigns use-cases against in-memory fakes (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from campaigns.messages.mailer import SendDeferred, SendRejected
from campaigns.messages.models import Email, Message, MessageStatus, Recipient
from campaigns.messages.usecases import ERASED_ADDRESS, forget_recipient, list_messages, send_welcome
from shared.events import EventMetadata, Outgoing


def _cause() -> EventMetadata:
    event_id = str(uuid.uuid4())
    return EventMetadata(event_id=event_id, event_version=1, occurred_at=datetime.now(UTC), correlation_id=event_id)


def _to(email: str, first_name: str | None = None) -> Recipient:
    return Recipient(contact_id="c1", email=email, first_name=first_name)


class FakeMessages:
    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], Message] = {}
        self.events: list[Outgoing] = []
        self.erased: set[str] = set()

    def get(self, contact_id: str, template: str) -> Message | None:
        return self.messages.get((contact_id, template))

    def claim(self, message: Message) -> bool:
        if message.contact_id in self.erased:
            return False
        return self.messages.setdefault((message.contact_id, message.template), message) is message

    def release(self, message: Message) -> None:
        del self.messages[(message.contact_id, message.template)]

    def finish(self, message: Message, events: list[Outgoing]) -> None:
        self.messages[(message.contact_id, message.template)] = message
        self.events += events

    def list_for_contact(self, contact_id: str, limit: int, start: Any) -> tuple[list[Message], None]:
        return [m for (c, _), m in self.messages.items() if c == contact_id][:limit], None

    def anonymise(self, contact_id: str, address: str, at: datetime) -> int:
        self.erased.add(contact_id)
        mine = [(k, m) for k, m in self.messages.items() if k[0] == contact_id and m.to != address]
        for key, message in mine:
            self.messages[key] = message.model_copy(update={"to": address})
        return len(mine)


class FakeOwners:
    def __init__(self) -> None:
        self.owners: dict[str, str] = {}

    def record(self, contact_id: str, owner_id: str, assigned_at: datetime) -> bool:
        self.owners[contact_id] = owner_id
        return True

    def forget(self, contact_id: str) -> None:
        self.owners.pop(contact_id, None)


class FakeMailer:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, Email]] = []
        self.error = error

    def send(self, to: str, email: Email) -> str:
        if self.error:
            raise self.error
        self.sent.append((to, email))
        return f"ses-{len(self.sent)}"


def test_a_lead_gets_one_welcome_email() -> None:
    # Given a new lead
    repo, mailer, cause = FakeMessages(), FakeMailer(), _cause()
    # When the welcome is sent three times for the same cause
    results = [send_welcome(_to("ada@example.com", "Ada"), cause, repo, mailer) for _ in range(3)]
    # Then one email went out, was recorded as sent, and one EmailSent was published
    assert len(mailer.sent) == 1
    to, email = mailer.sent[0]
    assert to == "ada@example.com" and "Ada" in email.text
    assert {r.status for r in results} == {MessageStatus.SENT}
    assert [e.detail_type for e in repo.events] == ["EmailSent"]
    data = repo.events[0].detail["data"]
    assert data == {
        "message_id": results[0].id,
        "contact_id": "c1",
        "template": "welcome",
        "ses_message_id": "ses-1",
        "source": None,
        "campaign_id": None,
    }
    assert "ada@example.com" not in str(repo.events[0].detail)  # no address on the bus


def test_a_claimed_message_is_not_sent_again() -> None:
    # Given another delivery claimed the welcome and is sending it
    repo, mailer = FakeMessages(), FakeMailer()
    now = datetime.now(UTC)
    in_flight = Message(id="m", contact_id="c1", template="welcome", to="a@b.c", status="sending", created_at=now)
    repo.claim(in_flight)
    # When this delivery runs
    result = send_welcome(_to("a@b.c", None), _cause(), repo, mailer)
    # Then it sends nothing
    assert mailer.sent == [] and result.id == "m"


def test_a_deferred_send_releases_its_claim_for_the_retry() -> None:
    repo = FakeMessages()
    with pytest.raises(SendDeferred):
        send_welcome(_to("a@b.c", None), _cause(), repo, FakeMailer(SendDeferred("Throttling")))
    assert repo.messages == {}
    assert send_welcome(_to("a@b.c", None), _cause(), repo, FakeMailer()).status == MessageStatus.SENT


def test_a_rejected_send_is_recorded_and_published() -> None:
    repo = FakeMessages()
    result = send_welcome(_to("a@b.c", None), _cause(), repo, FakeMailer(SendRejected("MessageRejected")))
    assert result.status == MessageStatus.FAILED
    assert [(e.detail_type, e.detail["data"]["reason"]) for e in repo.events] == [
        ("EmailSendFailed", "MessageRejected")
    ]


def test_a_contacts_messages_are_listed() -> None:
    # Given a welcome sent to c1
    repo = FakeMessages()
    sent = send_welcome(_to("a@b.c", None), _cause(), repo, FakeMailer())
    # When c1's messages, and another contact's, are listed
    page, other = list_messages("c1", repo, 10, None), list_messages("c2", repo, 10, None)
    # Then c1 has the welcome on one page, the other contact nothing
    assert [m.id for m in page.items] == [sent.id] and page.next_cursor is None
    assert other.items == []


def test_greeting_is_escaped_in_html() -> None:
    from campaigns.messages.usecases import welcome

    email = welcome("<b>Ada</b>")
    assert "<b>Ada" not in email.html and "&lt;b&gt;Ada" in email.html
    assert welcome(None).text.startswith("Hi there")


def test_an_erased_recipient_keeps_the_messages_outcome_and_gets_nothing_more() -> None:
    # Given a welcomed contact with an owner
    repo, mailer, owners = FakeMessages(), FakeMailer(), FakeOwners()
    send_welcome(_to("ada@example.com"), _cause(), repo, mailer)
    owners.record("c1", "rep-1", datetime.now(UTC))
    # When the contact is erased twice
    forget_recipient("c1", repo, owners)
    forget_recipient("c1", repo, owners)
    # Then the message keeps its outcome, not the address, and the owner is gone
    [message] = repo.messages.values()
    assert (message.to, message.status) == (ERASED_ADDRESS, MessageStatus.SENT) and owners.owners == {}


def test_a_lead_created_retried_after_the_erasure_sends_nothing() -> None:
    # Given a contact erased before its LeadCreated got through (a retry after a throttle)
    repo, mailer = FakeMessages(), FakeMailer()
    forget_recipient("c1", repo, FakeOwners())
    # When the LeadCreated is delivered
    send_welcome(_to("ada@example.com"), _cause(), repo, mailer)
    # Then no email goes out and no message holds the address
    assert mailer.sent == [] and repo.messages == {}
