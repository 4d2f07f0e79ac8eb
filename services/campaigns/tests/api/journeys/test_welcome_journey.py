"""The acceptance's welcome journey, in process against moto: with a fixed clock, a lead gets
the welcome email at once and the journey's 2-day step once, however often its schedule's
event arrives; the schedule is the real one (moto's Scheduler), at the right time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from campaigns.audience.models import Recipient
from campaigns.delivery.models import Outcome, OutgoingEmail, SendResult
from campaigns.messages.models import Email
from services.campaigns.tests.unit.sending.fakes import FakeLimiter, FakeLinks, FakeSms
from shared.events import Outgoing
from shared.sample_events import lead_created
from shared.testing import failed_ids, pending_outbox, sqs_event

GROUP = "crm-dev-campaigns"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
ADDRESS = "ada.journey@example.com"


class SesMailer:
    """The sending core's mailer port over SES (moto): one send_email each."""

    def send(self, emails: list[OutgoingEmail]) -> list[SendResult]:
        from campaigns.messages.mailer import SesMailer as Ses

        return [
            SendResult(
                contact_id=e.contact_id,
                outcome=Outcome.SENT,
                provider_id=Ses().send(e.to, Email(subject=e.subject, text=e.text, html=e.html)),
            )
            for e in emails
        ]


class Recipients:
    """The recipient view (the audience feature's), as LeadCreated and a marketing opt-in make it."""

    def __init__(self) -> None:
        self.known: dict[str, Recipient] = {}

    def recipients(self, contact_ids: list[str]) -> dict[str, Recipient]:
        return {c: self.known[c] for c in contact_ids if c in self.known}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, table: str) -> Recipients:
    """A fixed clock, and the sending core with its real records, templates and SES (moto)."""
    from campaigns import bootstrap
    from campaigns.sending.repository import SendRepository
    from campaigns.sending.usecases import SendPorts, send
    from campaigns.templates.rendering import render

    recipients = Recipients()
    ports = SendPorts(
        templates=bootstrap.templates(),
        recipients=recipients,
        suppressed=lambda addresses: set(),
        sends=SendRepository(),
        mailer=SesMailer(),
        sms=FakeSms(),
        limiter=lambda channel: FakeLimiter(),
        links=FakeLinks(),
        render=render,
        clock=lambda: NOW,
    )

    def sender() -> Any:
        return lambda request: send(request, ports)

    monkeypatch.setattr(bootstrap, "journey_clock", lambda: lambda: NOW)
    monkeypatch.setattr(bootstrap, "journey_sender", sender)
    return recipients


def _deliver(client: Any, *events: Outgoing) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def _emails_to(address: str) -> list[Any]:
    from moto.ses.models import ses_backends

    sent = ses_backends["123456789012"]["us-east-1"].sent_messages
    return [m for m in sent if address in json.dumps(getattr(m, "destinations", {}))]


def test_a_welcome_journey_with_a_two_day_step_sends_the_second_email_once(
    client: Any, table: str, world: Recipients
) -> None:
    # Given a lead who agreed to marketing email
    lead = lead_created(email=ADDRESS, first_name="Ada")
    contact_id = lead.detail["data"]["contact_id"]
    world.known[contact_id] = Recipient(
        contact_id=contact_id, email=ADDRESS, first_name="Ada", consent={"email:marketing": True}
    )
    # When LeadCreated is delivered
    _deliver(client, lead)
    # Then the welcome email goes at once, and the journey's step is scheduled 2 days later
    assert len(_emails_to(ADDRESS)) == 1
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    [listed] = scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    schedule = scheduler.get_schedule(Name=listed["Name"], GroupName=GROUP)
    assert schedule["ScheduleExpression"] == "at(2030-01-04T03:04:05)"
    # When Scheduler fires it (its event, as the rule brings it back), twice
    target = schedule["Target"]
    fired = Outgoing(
        event_id=json.loads(target["Input"])["metadata"]["event_id"],
        source=target["EventBridgeParameters"]["Source"],
        detail_type=target["EventBridgeParameters"]["DetailType"],
        detail=json.loads(target["Input"]),
    )
    _deliver(client, fired)
    again = json.loads(target["Input"])
    again["metadata"]["event_id"] = "a-second-firing"  # not a redelivery the consumer's idempotency drops
    _deliver(client, fired.model_copy(update={"event_id": "a-second-firing", "detail": again}))
    # Then exactly two emails went to the address: the welcome and the follow-up, once
    emails = _emails_to(ADDRESS)
    assert len(emails) == 2
    assert "How can we help?" in json.dumps([getattr(m, "subject", "") for m in emails])
    # And the follow-up's EmailSent names its journey step's source
    sent = [e.detail["data"] for e in pending_outbox(table) if e.detail_type == "EmailSent"]
    assert sorted(str(e.get("source")) for e in sent) == ["None", f"journey-welcome-{_run_id(fired)}-0"]


def _run_id(fired: Outgoing) -> str:
    return str(fired.detail["data"]["run_id"])
