"""The bulk mailer and the SMS sender against fake provider clients (Given/When/Then)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from campaigns.delivery.mailer import TEMPLATE_CONTENT, BulkMailer, SendOutcomeUnknown
from campaigns.delivery.models import Outcome, OutgoingEmail, OutgoingSms
from campaigns.delivery.sms import SmsSender
from services.campaigns.tests.unit.delivery.fakes import FakeSes, FakeSns, client_error

SENDER = "hello@crm.example.com"
UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://crm.example.com/u/t>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _emails(n: int) -> list[OutgoingEmail]:
    return [
        OutgoingEmail(
            contact_id=f"c{i}",
            to=f"r{i}@example.com",
            subject=f"Hi {i}",
            html=f"<p>Hi &amp; {i}</p>",
            text=f"Hi {i}",
            headers=UNSUBSCRIBE,
            tags={"campaign": "k1"},
        )
        for i in range(n)
    ]


def test_emails_go_50_per_call_with_each_recipients_rendering_headers_and_tags() -> None:
    # Given 120 rendered emails
    ses = FakeSes()
    emails = _emails(120)
    # When they are sent
    results = BulkMailer(ses, SENDER).send(emails)
    # Then three calls of 50, 50 and 20 went out, from the sender, through the pass-through template
    assert [len(c["BulkEmailEntries"]) for c in ses.calls] == [50, 50, 20]
    first = ses.calls[0]
    assert first["FromEmailAddress"] == SENDER
    assert first["DefaultContent"]["Template"]["TemplateContent"] == TEMPLATE_CONTENT
    assert TEMPLATE_CONTENT["Html"] == "{{{html}}}" and TEMPLATE_CONTENT["Text"] == "{{{text}}}"
    # ... each entry carrying its recipient's own parts, headers and tags
    entry = ses.calls[2]["BulkEmailEntries"][3]
    assert entry["Destination"] == {"ToAddresses": ["r103@example.com"]}
    data = json.loads(entry["ReplacementEmailContent"]["ReplacementTemplate"]["ReplacementTemplateData"])
    assert data == {"subject": "Hi 103", "html": "<p>Hi &amp; 103</p>", "text": "Hi 103"}
    assert {h["Name"]: h["Value"] for h in entry["ReplacementHeaders"]} == UNSUBSCRIBE
    assert entry["ReplacementTags"] == [{"Name": "campaign", "Value": "k1"}]
    # ... and every recipient is SENT with its own message id, in order
    assert [r.contact_id for r in results] == [e.contact_id for e in emails]
    assert {r.outcome for r in results} == {Outcome.SENT}
    assert len({r.provider_id for r in results}) == 120


def test_each_entrys_status_maps_to_its_outcome() -> None:
    # Given SES answering one status per recipient
    statuses = {
        "r1@example.com": "ACCOUNT_THROTTLED",
        "r2@example.com": "TRANSIENT_FAILURE",
        "r3@example.com": "ACCOUNT_SENDING_PAUSED",
        "r4@example.com": "MESSAGE_REJECTED",
        "r5@example.com": "INVALID_PARAMETER",
        "r6@example.com": "SOMETHING_NEW",
    }
    results = BulkMailer(FakeSes(statuses), SENDER).send(_emails(7))
    # Then success is SENT, throttling and transient trouble RETRY, a refusal FAILED with its status
    assert [(r.outcome, r.reason) for r in results] == [
        (Outcome.SENT, None),
        (Outcome.RETRY, "ACCOUNT_THROTTLED"),
        (Outcome.RETRY, "TRANSIENT_FAILURE"),
        (Outcome.RETRY, "ACCOUNT_SENDING_PAUSED"),
        (Outcome.FAILED, "MESSAGE_REJECTED"),
        (Outcome.FAILED, "INVALID_PARAMETER"),
        (Outcome.FAILED, "SOMETHING_NEW"),
    ]


@pytest.mark.parametrize(
    ("error", "outcome", "reason"),
    [
        (client_error("TooManyRequestsException", 429), Outcome.RETRY, "TooManyRequestsException"),
        (client_error("InternalFailure", 500), Outcome.RETRY, "InternalFailure"),
        (client_error("SomethingBroke", 503), Outcome.RETRY, "SomethingBroke"),
        (EndpointConnectionError(endpoint_url="https://email"), Outcome.RETRY, "EndpointConnectionError"),
        (ConnectTimeoutError(endpoint_url="https://email"), Outcome.RETRY, "ConnectTimeoutError"),
        (client_error("MessageRejected", 400), Outcome.FAILED, "MessageRejected"),
        (client_error("AccountSuspendedException", 400), Outcome.FAILED, "AccountSuspendedException"),
    ],
)
def test_a_call_that_failed_as_a_whole_gives_every_recipient_the_same_outcome(
    error: Exception, outcome: Outcome, reason: str
) -> None:
    # Given SES failing the first of two calls, then accepting
    ses = FakeSes(raises=[error])
    results = BulkMailer(ses, SENDER).send(_emails(60))
    # Then the first 50 share the failure's outcome, the other 10 were sent
    assert {(r.outcome, r.reason) for r in results[:50]} == {(outcome, reason)}
    assert {r.outcome for r in results[50:]} == {Outcome.SENT}


def test_a_read_timeout_is_an_unknown_outcome_never_a_retry() -> None:
    # Given SES accepting the first call and timing out on the second
    ses = FakeSes()
    mailer = BulkMailer(ses, SENDER)
    calls = 0
    send = ses.send_bulk_email

    def second_times_out(**kwargs: object) -> dict[str, object]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ReadTimeoutError(endpoint_url="https://email")
        return send(**kwargs)

    ses.send_bulk_email = second_times_out  # type: ignore[method-assign]
    # When 120 emails are sent
    with pytest.raises(SendOutcomeUnknown) as raised:
        mailer.send(_emails(120))
    # Then the second call's 50 are unknown, the first 50 known as sent, the last 20 never tried
    assert raised.value.contact_ids == [f"c{i}" for i in range(50, 100)]
    assert [r.contact_id for r in raised.value.settled] == [f"c{i}" for i in range(50)]
    assert calls == 2
    # ... and nothing of the addresses is in the error
    assert "example.com" not in str(raised.value)


def test_sms_are_promotional_publishes_to_the_number_and_throttling_is_retried() -> None:
    # Given SNS throttling one number and refusing another
    sns = FakeSns(
        raises={
            "+15550000002": client_error("Throttled", 400, "Publish"),
            "+15550000003": client_error("InvalidParameter", 400, "Publish"),
        }
    )
    messages = [OutgoingSms(contact_id=f"c{i}", to=f"+1555000000{i}", text="Sale today") for i in (1, 2, 3)]
    # When they are sent
    results = SmsSender(sns).send(messages)
    # Then each went to its number as a promotional SMS
    assert [c["PhoneNumber"] for c in sns.calls] == ["+15550000001", "+15550000002", "+15550000003"]
    assert sns.calls[0]["MessageAttributes"]["AWS.SNS.SMS.SMSType"]["StringValue"] == "Promotional"
    # ... sent, to retry, refused
    assert [(r.outcome, r.reason) for r in results] == [
        (Outcome.SENT, None),
        (Outcome.RETRY, "Throttled"),
        (Outcome.FAILED, "InvalidParameter"),
    ]
    assert results[0].provider_id == "sms-1"
