"""The campaigns' delivery layer end to end: the bulk mailer and the SMS sender against the
running stack's emulator, its SES throttled through the stack's fault route."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from campaigns.delivery.mailer import BulkMailer
from campaigns.delivery.models import Outcome, OutgoingEmail, OutgoingSms
from campaigns.delivery.sms import SmsSender
from shared.settings import function_environment
from tests.e2e import eventually, sent_emails, sent_sms, ses_faults

pytestmark = pytest.mark.e2e

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://crm.example.com/campaigns/unsubscribe/t>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


@pytest.fixture
def emulator(stack: Any) -> Iterator[None]:
    """This test's senders talk to the stack's emulator, as the stack's functions do."""
    with function_environment({"AWS_ENDPOINT_URL": stack.emulator_url}):
        yield
    stack.session.delete(f"{stack.url}/_local/ses/faults")


def _emails(n: int) -> list[OutgoingEmail]:
    run = uuid.uuid4().hex[:8]
    return [
        OutgoingEmail(
            contact_id=f"{run}-{i}",
            to=f"delivery-{run}-{i}@example.com",
            subject="Spring sale",
            html="<p>Tom &amp; Jerry</p>",
            text="Tom & Jerry",
            headers=UNSUBSCRIBE,
            tags={"source": "campaign", "campaign": run},
        )
        for i in range(n)
    ]


@pytest.mark.usefixtures("emulator")
def test_injected_ses_throttling_is_retried_then_each_recipient_is_sent_once(stack: Any) -> None:
    # Given the stack's SES throttling the next call and failing the one after
    assert ses_faults(stack, throttle=1, fail=1) == {"throttle": 1, "fail": 1}
    emails, mailer = _emails(60), BulkMailer()
    # When the mailer sends 60 emails (two calls) and tries the ones to retry again until none are left
    first = mailer.send(emails)
    # Then the first call was throttled, the second failed: all 60 to retry, nothing sent
    assert [r.reason for r in first] == ["TooManyRequestsException"] * 50 + ["InternalFailure"] * 10
    assert {r.outcome for r in first} == {Outcome.RETRY}
    assert sent_emails(stack, emails[0].to) == []
    retried = mailer.send(emails)
    assert {r.outcome for r in retried} == {Outcome.SENT}
    # ... and each recipient's email is on the stack's mail page once, with its unsubscribe headers
    for email in (emails[0], emails[59]):
        [shown] = eventually(lambda e=email: sent_emails(stack, e.to), interval=1.0)
        assert shown["headers"] == UNSUBSCRIBE
        assert (shown["subject"], shown["body"], shown["text"]) == ("Spring sale", email.html, email.text)
    assert stack.session.get(f"{stack.url}/_local/ses/faults").json()["armed"] == {"throttle": 0, "fail": 0}


@pytest.mark.usefixtures("emulator")
def test_an_sms_sent_shows_on_the_stacks_sms_page(stack: Any) -> None:
    # Given a number no other test uses
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    # When an SMS is sent to it
    [result] = SmsSender().send([OutgoingSms(contact_id="c1", to=number, text="Spring sale: 20% off")])
    # Then it was accepted and the stack shows it
    assert result.outcome is Outcome.SENT
    [shown] = sent_sms(stack, number)
    assert (shown["message_id"], shown["message"]) == (result.provider_id, "Spring sale: 20% off")


def test_a_bad_fault_request_is_a_400_problem(stack: Any) -> None:
    response = stack.session.put(f"{stack.url}/_local/ses/faults", json={"throttle": "lots"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
