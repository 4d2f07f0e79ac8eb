"""The bulk mailer, the SMS sender and the shared bucket against moto's in-process AWS, with
the local emulator's SendBulkEmail (infra.local.moto_sesv2_bulk; Given/When/Then)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from campaigns.delivery.limiter import TableBucketStore, TokenBucket
from campaigns.delivery.mailer import BulkMailer
from campaigns.delivery.models import Outcome, OutgoingEmail, OutgoingSms
from campaigns.delivery.sms import SmsSender
from campaigns.table import keys
from infra.local import moto_sesv2_bulk
from shared.testing import ACCOUNT, REGION

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://crm.example.com/u/t>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _sent() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT][REGION].sent_messages)


def _email(i: int, to: str | None = None) -> OutgoingEmail:
    return OutgoingEmail(
        contact_id=f"c{i}",
        to=to or f"r{i}@example.com",
        subject=f"Hello {{{{name}}}} {i}",  # braces of our own: SES must not render them again
        html=f"<p>Tom &amp; Jerry {i}</p>",
        text=f"Tom & Jerry {i}",
        headers=UNSUBSCRIBE,
        tags={"source": "campaign", "campaign": "k1"},
    )


@pytest.fixture(autouse=True)
def _no_faults() -> Any:
    moto_sesv2_bulk.disarm()
    yield
    moto_sesv2_bulk.disarm()


def test_send_bulk_email_records_each_recipients_email_with_its_headers_and_tags(table: str) -> None:
    # Given 120 rendered emails
    emails = [_email(i) for i in range(120)]
    # When the bulk mailer sends them (three SendBulkEmail calls)
    results = BulkMailer().send(emails)
    # Then each was accepted with its own message id and recorded as sent mail
    assert {r.outcome for r in results} == {Outcome.SENT}
    sent = _sent()
    assert len(sent) == 120
    by_id = {m.id: m for m in sent}
    message = by_id[results[7].provider_id]
    assert message.destinations == {"ToAddresses": ["r7@example.com"]}
    # ... rendered as we rendered it: not escaped again, our own braces left alone
    assert (message.subject, message.body, message.text) == (
        "Hello {{name}} 7",
        "<p>Tom &amp; Jerry 7</p>",
        "Tom & Jerry 7",
    )
    assert message.headers == UNSUBSCRIBE
    assert message.tags == {"source": "campaign", "campaign": "k1"}


def test_an_unverified_sender_is_refused_for_every_recipient(table: str) -> None:
    results = BulkMailer(sender="someone@elsewhere.example").send([_email(1), _email(2)])
    assert [(r.outcome, r.reason) for r in results] == [(Outcome.FAILED, "MessageRejected")] * 2
    assert _sent() == []


def test_injected_throttling_is_a_retry_with_nothing_sent_then_the_send_goes_through(table: str) -> None:
    # Given the emulator's SES throttling the next call and failing the one after
    moto_sesv2_bulk.arm(throttle=1, fail=1)
    mailer = BulkMailer()
    # When the same emails are sent three times
    throttled, failed, sent = (mailer.send([_email(1), _email(2)]) for _ in range(3))
    # Then the first two are retries with nothing recorded, the third sends both once
    assert [r.reason for r in throttled] == ["TooManyRequestsException"] * 2
    assert [r.reason for r in failed] == ["InternalFailure"] * 2
    assert {r.outcome for r in throttled + failed} == {Outcome.RETRY}
    assert {r.outcome for r in sent} == {Outcome.SENT}
    assert len(_sent()) == 2


def test_a_bounce_simulator_address_notifies_the_identitys_bounce_topic(table: str) -> None:
    # Given the sender's domain publishing bounces to a topic an SQS queue reads
    sns, sqs, ses = (boto3.client(s, region_name=REGION) for s in ("sns", "sqs", "ses"))
    topic = sns.create_topic(Name="ses-bounces")["TopicArn"]
    queue = sqs.create_queue(QueueName="bounces")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    ses.verify_domain_identity(Domain="crm.example.com")
    ses.set_identity_notification_topic(Identity="crm.example.com", NotificationType="Bounce", SnsTopic=topic)
    # When one email goes to the simulator's bounce address and one to a plain one
    BulkMailer().send([_email(1, "bounce@simulator.amazonses.com"), _email(2)])
    # Then exactly one bounce notification arrived
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    assert "bounce" in json.loads(messages[0]["Body"])["Message"]


def test_an_sms_is_published_to_the_number(table: str) -> None:
    from moto.sns.models import sns_backends

    results = SmsSender().send([OutgoingSms(contact_id="c1", to="+15555550100", text="Sale today")])
    assert results[0].outcome is Outcome.SENT
    recorded = sns_backends[ACCOUNT][REGION].sms_messages
    assert recorded[str(results[0].provider_id)] == ("+15555550100", "Sale today")


def test_the_bucket_lives_in_the_table_and_every_sender_shares_it(table: str) -> None:
    # Given two senders' buckets (two Lambdas) of 10/s on one frozen clock
    now = [1_000.0]
    first, second = (TokenBucket("email", 10, clock=lambda: now[0], store=TableBucketStore()) for _ in range(2))
    # When both take
    assert first.take(8) == 8
    assert second.take(8) == 2
    # Then the item holds what is left, and a second later one second of rate is there for either
    pk, sk = keys.limiter_key("email")
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )["Item"]
    assert float(item["tokens"]["N"]) == 0
    now[0] += 1
    assert second.take(50) == 10


def test_a_stale_write_of_the_bucket_is_refused(table: str) -> None:
    store = TableBucketStore()
    assert store.write("sms", (5.0, 1.0), expected=None)
    assert not store.write("sms", (4.0, 2.0), expected=None)  # someone created it first
    assert not store.write("sms", (4.0, 2.0), expected=(6.0, 1.0))  # the item changed since it was read
    assert store.write("sms", (4.0, 2.0), expected=(5.0, 1.0))
    assert store.read("sms") == (4.0, 2.0)
