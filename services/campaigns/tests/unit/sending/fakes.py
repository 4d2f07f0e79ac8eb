"""In-memory stand-ins for the sending core's ports (campaigns.sending.usecases.SendPorts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from campaigns.audience.models import Channel, Recipient
from campaigns.delivery.models import Outcome, OutgoingEmail, OutgoingSms, SendResult
from campaigns.sending.models import SendContended, SendRecord, SendStatus
from campaigns.sending.usecases import SendPorts
from campaigns.templates.models import Template
from campaigns.templates.rendering import render
from shared.events import Outgoing

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class FakeSends:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], SendRecord] = {}
        self.events: list[Outgoing] = []
        self.counts: dict[str, dict[str, int]] = {}

    def get_many(self, source: str, channel: Channel, contact_ids: list[str]) -> dict[str, SendRecord]:
        found = (self.records.get((source, channel.value, c)) for c in contact_ids)
        return {r.contact_id: r for r in found if r is not None}

    def claim(self, records: list[SendRecord]) -> None:
        if any((r.source, r.channel.value, r.contact_id) in self.records for r in records):
            raise SendContended("taken")
        for r in records:
            self.records[(r.source, r.channel.value, r.contact_id)] = r

    def release(self, records: list[SendRecord]) -> None:
        for r in records:
            key = (r.source, r.channel.value, r.contact_id)
            if key in self.records and self.records[key].status is SendStatus.SENDING:
                del self.records[key]

    def settle(
        self,
        records: list[SendRecord],
        events: list[Outgoing],
        *,
        campaign_id: str | None,
        counts: dict[str, dict[str, int]],
    ) -> None:
        assert len(records) + len(events) + len(counts) <= 100
        for r in records:
            key = (r.source, r.channel.value, r.contact_id)
            if self.records[key].status is not SendStatus.SENDING:
                raise SendContended("settled")
            self.records[key] = r
        self.events += events
        for variant, values in counts.items():
            bucket = self.counts.setdefault(variant, {})
            for name, n in values.items():
                bucket[name] = bucket.get(name, 0) + n


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.throttle_next: int = 0  # recipients answered RETRY
        self.reject: set[str] = set()  # addresses refused for good
        self.calls = 0

    def send(self, emails: list[OutgoingEmail]) -> list[SendResult]:
        self.calls += 1
        results = []
        for e in emails:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                results.append(SendResult(contact_id=e.contact_id, outcome=Outcome.RETRY, reason="Throttling"))
            elif e.to in self.reject:
                results.append(SendResult(contact_id=e.contact_id, outcome=Outcome.FAILED, reason="MESSAGE_REJECTED"))
            else:
                self.sent.append(e)
                results.append(
                    SendResult(contact_id=e.contact_id, outcome=Outcome.SENT, provider_id=f"ses-{len(self.sent)}")
                )
        return results


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []

    def send(self, messages: list[OutgoingSms]) -> list[SendResult]:
        self.sent += messages
        return [SendResult(contact_id=m.contact_id, outcome=Outcome.SENT, provider_id="sns-1") for m in messages]


class FakeLimiter:
    def __init__(self, tokens: float = float("inf")) -> None:
        self.tokens = tokens

    def acquire(self, n: int, *, deadline: float, at_least: int = 1) -> int:
        got = int(min(n, self.tokens))
        self.tokens -= got
        return got


class FakeLinks:
    def unsubscribe_url(self, *, source: str, contact_id: str, channel: str = "email") -> str:
        return f"https://crm.example/u/{source}/{contact_id}"

    def track_links(
        self, html: str, *, source: str, campaign_id: str | None, contact_id: str, sent_at: datetime
    ) -> str:
        return html + f'<img src="https://crm.example/o/{contact_id}">'

    def list_unsubscribe_headers(self, url: str) -> dict[str, str]:
        return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def feedback_headers(self, *, source: str, contact_id: str) -> dict[str, str]:
        return {"X-Crm-Source": source, "X-Crm-Contact-Id": contact_id}

    def feedback_tags(self, *, source: str, contact_id: str) -> dict[str, str]:
        return {"source": source, "contact_id": contact_id}


class FakeTemplates:
    def __init__(self, *templates: Template) -> None:
        self.templates = {t.id: t for t in templates}

    def get(self, template_id: str) -> Template | None:
        return self.templates.get(template_id)


class FakeRecipients:
    def __init__(self, *recipients: Recipient) -> None:
        self.by_id = {r.contact_id: r for r in recipients}

    def recipients(self, contact_ids: list[str]) -> dict[str, Recipient]:
        return {c: self.by_id[c] for c in contact_ids if c in self.by_id}


def template(**changes: Any) -> Template:
    values: dict[str, Any] = {
        "id": "tpl",
        "name": "News",
        "subject": "Hello {{ contact.first_name }}",
        "html": "<p>Hi {{ contact.first_name }}</p><a href='{{ unsubscribe_url }}'>stop</a>",
        "text": "Hi {{ contact.first_name }}",
        "locales": {"zh": {"subject": "你好 {{ contact.first_name }}", "html": "<p>你好</p>", "text": "你好"}},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Template.model_validate({**values, **changes})


def recipient(contact_id: str, **changes: Any) -> Recipient:
    values: dict[str, Any] = {
        "contact_id": contact_id,
        "email": f"{contact_id}@example.com",
        "first_name": contact_id.title(),
        "consent": {"email:marketing": True, "sms:marketing": True},
        "phone": "+15550100",
    }
    return Recipient.model_validate({**values, **changes})


class World:
    """The ports of one test, and the fakes behind them to look at and steer."""

    def __init__(
        self, *recipients: Recipient, suppressed: set[str] | None = None, tokens: float = float("inf")
    ) -> None:
        self.now = NOW
        self.sends, self.mailer, self.sms = FakeSends(), FakeMailer(), FakeSms()
        self.limiter = FakeLimiter(tokens)
        self.ports = SendPorts(
            templates=FakeTemplates(template()),
            recipients=FakeRecipients(*recipients),
            suppressed=lambda addresses: {a for a in addresses if a in (suppressed or set())},
            sends=self.sends,
            mailer=self.mailer,
            sms=self.sms,
            limiter=lambda channel: self.limiter,
            links=FakeLinks(),
            render=render,
            clock=lambda: self.now,
            seconds=lambda: 0.0,
        )
