"""Fix 15 of the emulator: SQS sends and receives no longer count the queue's messages,
and SQS still answers as before (counts, retention, FIFO deduplication)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def sqs(patched_moto: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every walk of a queue's messages for a count."""
    from moto.sqs.models import Queue

    walks: list[str] = []
    for name in ("approximate_number_of_messages", "approximate_number_of_messages_not_visible"):
        walk = getattr(Queue, name).fget

        def counted(self: Any, __walk: Any = walk, __name: str = name) -> Any:
            walks.append(__name)
            return __walk(self)

        monkeypatch.setattr(Queue, name, property(counted))
    return walks


def test_sends_and_receives_count_nothing_and_the_counts_are_still_answered(
    sqs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    walks = _counted(monkeypatch)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(10)])
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=4)["Messages"]
    assert (len(received), walks) == (4, [])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("6", "4")
    assert walks


def test_a_message_past_the_queues_retention_period_is_not_received(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    later = time.time() + 61
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("moto.sqs.models.unix_time", lambda *a: later)
        assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    sqs.send_message(QueueUrl=url, MessageBody="new")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["new"]


def test_a_fifo_queue_with_content_based_deduplication_still_keeps_one_of_two_equal_sends(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})[
        "QueueUrl"
    ]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 1
