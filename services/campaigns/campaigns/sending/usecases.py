"""Send one template to up to a hundred contacts from one source, each at most once.

The order of work is what makes a send exactly-once in effect, whatever crashes, repeats
or pauses: read the records (settled ones are done: ``already``); claim every recipient
still to do in one conditional transaction (another delivery that claimed first makes this
one read again later); check consent and suppression *now*, at the last moment, and
settle those who may not be sent to as skipped; render, take tokens from the shared rate
limiter, call the provider in bulk, and settle each outcome with its event and the
campaign's counters in one transaction per slice.

What is at most once, not exactly once: a process that dies between the provider's
answer and the settle leaves its recipients claimed. A later delivery leaves fresh claims
alone (``pending``: the first may still be running) and settles claims older than
``LEASE`` as failed ``outcome_unknown``: they were probably sent, and never twice.
Throttled recipients (the limiter's deadline passed, or the provider said slow down) are
released, nothing sent, and come back as ``pending`` for the caller to ask again later:
never dropped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from campaigns.audience.models import Channel, Recipient
from campaigns.audience.usecases import eligibility
from campaigns.delivery.mailer import SendOutcomeUnknown
from campaigns.delivery.models import Outcome, OutgoingEmail, OutgoingSms, SendResult
from campaigns.events import EmailSendFailed, EmailSent, EmailSkipped, SmsSent
from campaigns.sending.models import SendContended, SendRecord, SendRequest, SendStatus, SendSummary
from campaigns.templates.models import Content, Template
from campaigns.templates.usecases import content_for
from shared.events import Event, Outgoing, new_event

LEASE = timedelta(minutes=5)
# Records, their events and one counter item per variant stay under DynamoDB's 100 items.
SETTLE_SLICE = 45
OUTCOME_UNKNOWN = "outcome_unknown"
_MESSAGE_IDS = uuid.UUID("5d1f8e0c-52c4-4f6e-9a4e-0c6a52b0f0a1")


class Templates(Protocol):
    def get(self, template_id: str) -> Template | None: ...


class Recipients(Protocol):
    def recipients(self, contact_ids: list[str]) -> dict[str, Recipient]: ...


class Sends(Protocol):
    def get_many(self, source: str, channel: Channel, contact_ids: list[str]) -> dict[str, SendRecord]: ...
    def claim(self, records: list[SendRecord]) -> None: ...
    def release(self, records: list[SendRecord]) -> None: ...
    def settle(
        self,
        records: list[SendRecord],
        events: list[Outgoing],
        *,
        campaign_id: str | None,
        counts: dict[str, dict[str, int]],
    ) -> None: ...


class Mailer(Protocol):
    def send(self, emails: list[OutgoingEmail]) -> list[SendResult]: ...


class SmsSender(Protocol):
    def send(self, messages: list[OutgoingSms]) -> list[SendResult]: ...


class Limiter(Protocol):
    def acquire(self, n: int, *, deadline: float, at_least: int = 1) -> int: ...


class Links(Protocol):
    def unsubscribe_url(self, *, source: str, contact_id: str, channel: str = "email") -> str: ...
    def track_links(
        self, html: str, *, source: str, campaign_id: str | None, contact_id: str, sent_at: datetime
    ) -> str: ...
    def list_unsubscribe_headers(self, url: str) -> dict[str, str]: ...
    def feedback_headers(self, *, source: str, contact_id: str) -> dict[str, str]: ...
    def feedback_tags(self, *, source: str, contact_id: str) -> dict[str, str]: ...


class TemplateMissing(Exception):
    """The request's template is gone: nothing can be sent from this source."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SendPorts:
    templates: Templates
    recipients: Recipients
    suppressed: Callable[[list[str]], set[str]]
    sends: Sends
    mailer: Mailer
    sms: SmsSender
    limiter: Callable[[Channel], Limiter]
    links: Links
    render: Callable[..., str]  # templates.rendering.render
    clock: Callable[[], datetime] = _now
    seconds: Callable[[], float] = time.time  # the limiter's clock: its deadlines are on it
    wait_seconds: float = 20.0  # how long one request waits for the limiter's tokens


def message_id(source: str, channel: Channel, contact_id: str) -> str:
    """The same id for the same send, whichever delivery settles it."""
    return str(uuid.uuid5(_MESSAGE_IDS, f"{source}|{channel.value}|{contact_id}"))


def send(request: SendRequest, ports: SendPorts) -> SendSummary:
    template = ports.templates.get(request.template_id)
    if template is None:
        raise TemplateMissing(request.template_id)
    run = _Run(request, ports, template)
    todo = run.sort(ports.sends.get_many(request.source, request.channel, request.contact_ids))
    if not todo:
        return run.summary
    try:
        claimed = run.claim(todo)
    except SendContended:  # a twin delivery claimed some first: it sends them; ask again later
        run.summary.pending += todo
        return run.summary
    recipients = ports.recipients.recipients(todo)
    addresses = [a.strip().lower() for r in recipients.values() if (a := r.address(request.channel))]
    suppressed = ports.suppressed(addresses) if addresses else set()
    eligible: list[tuple[SendRecord, Recipient]] = []
    skipped: list[SendRecord] = []
    for record in claimed:
        recipient = recipients.get(record.contact_id)
        reason = eligibility(recipient, request.channel, suppressed, request.purpose)
        if reason is None and recipient is not None:
            eligible.append((record, recipient))
        else:
            skipped.append(run.outcome(record, SendStatus.SKIPPED, reason=str(reason)))
    run.settle(skipped)
    run.deliver(eligible)
    return run.summary


class _Run:
    """One request's state: its summary, and the events and counts of what it settles."""

    def __init__(self, request: SendRequest, ports: SendPorts, template: Template) -> None:
        self.request, self.ports, self.template = request, ports, template
        self.summary = SendSummary()

    def sort(self, records: dict[str, SendRecord]) -> list[str]:
        """The contacts to do now; settled ones count as ``already``, claims in flight as
        ``pending``, and claims past their lease are settled as ``outcome_unknown``."""
        now, todo, stale = self.ports.clock(), [], []
        for contact_id in dict.fromkeys(self.request.contact_ids):
            record = records.get(contact_id)
            if record is None:
                todo.append(contact_id)
            elif record.status is not SendStatus.SENDING:
                self.summary.already += 1
            elif now - record.claimed_at > LEASE:
                stale.append(self.outcome(record, SendStatus.FAILED, reason=OUTCOME_UNKNOWN))
            else:
                self.summary.pending.append(contact_id)
        self.settle(stale)
        return todo

    def claim(self, contact_ids: list[str]) -> list[SendRecord]:
        at = self.ports.clock()
        records = [
            SendRecord(
                source=self.request.source,
                channel=self.request.channel,
                contact_id=c,
                status=SendStatus.SENDING,
                variant=self.request.variant,
                claimed_at=at,
            )
            for c in contact_ids
        ]
        self.ports.sends.claim(records)
        return records

    def outcome(
        self, record: SendRecord, status: SendStatus, *, reason: str | None = None, provider_id: str | None = None
    ) -> SendRecord:
        return record.model_copy(
            update={"status": status, "reason": reason, "provider_id": provider_id, "settled_at": self.ports.clock()}
        )

    def settle(self, records: list[SendRecord]) -> None:
        for start in range(0, len(records), SETTLE_SLICE):
            part = records[start : start + SETTLE_SLICE]
            counts: dict[str, dict[str, int]] = {}
            events = []
            for record in part:
                name = self._count(record)
                for variant in {"", record.variant or ""}:
                    bucket = counts.setdefault(variant, {"settled": 0})
                    bucket["settled"] += 1
                    bucket[name] = bucket.get(name, 0) + 1
                events.append(new_event(self._event(record)))
            self.ports.sends.settle(part, events, campaign_id=self.request.campaign_id, counts=counts)

    def _count(self, record: SendRecord) -> str:
        channel = self.request.channel.value
        if record.status is SendStatus.SENT:
            self.summary.sent += 1
            return f"sent.{channel}"
        book = self.summary.skipped if record.status is SendStatus.SKIPPED else self.summary.failed
        book[record.reason or "unknown"] = book.get(record.reason or "unknown", 0) + 1
        return f"{record.status.value}.{record.reason}"

    def _event(self, record: SendRecord) -> Event:
        r, ids = self.request, message_id(record.source, record.channel, record.contact_id)
        common: dict[str, Any] = {
            "contact_id": record.contact_id,
            "template": r.template_id,
            "campaign_id": r.campaign_id,
        }
        if record.status is SendStatus.SKIPPED:
            return EmailSkipped(**common, source=r.source, channel=r.channel.value, reason=record.reason or "")
        if record.status is SendStatus.FAILED:
            return EmailSendFailed(**common, message_id=ids, source=r.source, reason=record.reason or "")
        if r.channel is Channel.SMS:
            return SmsSent(**common, message_id=ids, source=r.source, provider_message_id=record.provider_id or "")
        return EmailSent(**common, message_id=ids, source=r.source, ses_message_id=record.provider_id or "")

    def deliver(self, eligible: list[tuple[SendRecord, Recipient]]) -> None:
        """Send in slices as the limiter grants tokens; what it cannot grant in time, and
        what the provider throttles, is released and left ``pending``."""
        deadline = self.ports.seconds() + self.ports.wait_seconds
        limiter = self.ports.limiter(self.request.channel)
        queue = list(eligible)
        while queue:
            wanted = min(len(queue), SETTLE_SLICE)
            # A whole slice's tokens at once: one read and write of the shared bucket per call.
            granted = limiter.acquire(wanted, deadline=deadline, at_least=wanted)
            if granted <= 0:
                break
            part, queue = queue[:granted], queue[granted:]
            self._send(part)
        if queue:
            self._release([record for record, _ in queue])

    def _send(self, part: list[tuple[SendRecord, Recipient]]) -> None:
        by_contact = {record.contact_id: record for record, _ in part}
        try:
            results = self._call(part)
        except SendOutcomeUnknown as exc:
            # The provider may have sent these: their claims stay, to be settled as an unknown
            # outcome once the lease is over, never sent again.
            self.summary.pending += exc.contact_ids
            results = exc.settled
        settled, retry = [], []
        for result in results:
            record = by_contact[result.contact_id]
            if result.outcome is Outcome.SENT:
                settled.append(self.outcome(record, SendStatus.SENT, provider_id=result.provider_id))
            elif result.outcome is Outcome.FAILED:
                settled.append(self.outcome(record, SendStatus.FAILED, reason=result.reason or "rejected"))
            else:
                retry.append(record)
        self.settle(settled)
        self._release(retry)

    def _release(self, records: list[SendRecord]) -> None:
        self.ports.sends.release(records)
        self.summary.pending += [r.contact_id for r in records]

    def _call(self, part: list[tuple[SendRecord, Recipient]]) -> list[SendResult]:
        if self.request.channel is Channel.SMS:
            return self.ports.sms.send([self._sms(recipient) for _, recipient in part])
        return self.ports.mailer.send([self._email(recipient) for _, recipient in part])

    def _content(self, recipient: Recipient) -> tuple[Content, dict[str, Any]]:
        r = self.request
        _, content = content_for(self.template, recipient.language)
        if r.subject is not None:
            content = content.model_copy(update={"subject": r.subject})
        unsubscribe = self.ports.links.unsubscribe_url(
            source=r.source, contact_id=recipient.contact_id, channel=r.channel.value
        )
        context = {
            **r.context,
            "contact": {name: value or "" for name, value in recipient.context().items()},  # never "None"
            "unsubscribe_url": unsubscribe,
            "campaign_name": r.campaign_name or "",
        }
        return content, context

    def _email(self, recipient: Recipient) -> OutgoingEmail:
        r, render, links = self.request, self.ports.render, self.ports.links
        content, context = self._content(recipient)
        html = self.ports.links.track_links(
            render(content.html, context, html=True),
            source=r.source,
            campaign_id=r.campaign_id,
            contact_id=recipient.contact_id,
            sent_at=self.ports.clock(),
        )
        return OutgoingEmail(
            contact_id=recipient.contact_id,
            to=recipient.email or "",
            subject=render(content.subject, context),
            html=html,
            text=render(content.text, context),
            headers={
                **links.list_unsubscribe_headers(context["unsubscribe_url"]),
                **links.feedback_headers(source=r.source, contact_id=recipient.contact_id),
            },
            tags=links.feedback_tags(source=r.source, contact_id=recipient.contact_id),
        )

    def _sms(self, recipient: Recipient) -> OutgoingSms:
        content, context = self._content(recipient)
        return OutgoingSms(
            contact_id=recipient.contact_id, to=recipient.phone or "", text=self.ports.render(content.text, context)
        )
