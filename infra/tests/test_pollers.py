"""The pollers play Lambda's event source mappings: batches, partial failures, DLQ, filters, retries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.local.filters import matches, passes
from infra.local.pollers import SqsPoller, StreamPoller
from infra.local.topology import SqsWiring, StreamWiring
from shared.testing import pk_sk_table

OUTBOX_FILTER = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "OUTBOX#"}]}}}}


def make_queue(clients, max_receive: int = 2) -> tuple[str, str, str]:
    sqs = clients("sqs")
    dlq = sqs.create_queue(QueueName="events-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive})
    # Visibility 0: a message that was not deleted is visible again at once (no sleeping here).
    url = sqs.create_queue(QueueName="events", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": redrive})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def bodies(clients, url: str) -> list[str]:
    messages = clients("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted(m["Body"] for m in messages)


class Recorder:
    def __init__(self, respond: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.respond = respond

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self.respond(event) if callable(self.respond) else self.respond


def test_sqs_poller_deletes_successes_and_keeps_reported_failures(clients):
    url, arn, _ = make_queue(clients, max_receive=5)
    for body in ("good-1", "bad", "good-2"):
        clients("sqs").send_message(QueueUrl=url, MessageBody=body)

    def fail_bad(event):
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
        }

    invoke = Recorder(fail_bad)
    poller = SqsPoller(SqsWiring("demo", "OnEvent", arn, url, batch_size=10, report_failures=True), clients, invoke)
    # When one batch is handled with one reported failure
    assert poller.poll_once(wait=0) == 3
    # Then the event has Lambda's SQS shape, and only the failure is still in the queue
    record = invoke.events[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody", "awsRegion"} <= set(
        record
    )
    assert bodies(clients, url) == ["bad"]


def test_sqs_poller_deletes_nothing_when_the_function_raises(clients):
    url, arn, _ = make_queue(clients, max_receive=5)
    clients("sqs").send_message(QueueUrl=url, MessageBody="m")

    def crash(event):
        raise RuntimeError("boom")

    poller = SqsPoller(SqsWiring("demo", "OnEvent", arn, url), clients, Recorder(crash))
    poller.poll_once(wait=0)
    assert poller.failures == 1
    assert bodies(clients, url) == ["m"]


def test_a_message_that_always_fails_lands_in_the_dlq_after_max_receive_count(clients):
    url, arn, dlq = make_queue(clients, max_receive=2)
    clients("sqs").send_message(QueueUrl=url, MessageBody="poison")

    def always_fail(event):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    invoke = Recorder(always_fail)
    poller = SqsPoller(SqsWiring("demo", "OnEvent", arn, url, report_failures=True), clients, invoke)
    for _ in range(4):
        poller.poll_once(wait=0)
    # Received maxReceiveCount times, then moved by the queue's redrive policy
    assert len(invoke.events) == 2
    assert bodies(clients, dlq) == ["poison"]
    assert bodies(clients, url) == []


def make_stream(clients) -> tuple[str, Any]:
    import uuid

    ddb = clients("dynamodb")
    name = f"t-{uuid.uuid4().hex[:8]}"
    table = ddb.create_table(**pk_sk_table(name))["TableDescription"]
    return table["LatestStreamArn"], Table(ddb, name)


class Table:
    def __init__(self, ddb, name: str) -> None:
        self.ddb, self.name = ddb, name

    def put(self, pk: str) -> None:
        self.ddb.put_item(TableName=self.name, Item={"pk": {"S": pk}, "sk": {"S": "X"}})

    def delete(self, pk: str) -> None:
        self.ddb.delete_item(TableName=self.name, Key={"pk": {"S": pk}, "sk": {"S": "X"}})


def test_stream_poller_applies_the_filter_and_sends_lambdas_event_shape(server_clients):
    clients = server_clients
    stream_arn, table = make_stream(clients)
    invoke = Recorder()
    wiring = StreamWiring("demo", "OutboxRelay", stream_arn, table.name, filters=(OUTBOX_FILTER,))
    poller = StreamPoller(wiring, clients, invoke, sleep=lambda s: None)
    poller.start_at("LATEST")
    table.put("OUTBOX#1")
    table.put("CONTACT#1")
    table.delete("OUTBOX#1")
    table.put("OUTBOX#2")

    poller.poll_once()

    [event] = invoke.events
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]] == ["OUTBOX#1", "OUTBOX#2"]
    record = event["Records"][0]
    assert record["eventSourceARN"] == stream_arn and record["eventName"] == "INSERT"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    json.dumps(event)  # what Lambda delivers is plain JSON
    assert poller.filtered_out == 2


def test_stream_poller_retries_from_the_first_reported_failure_without_advancing(server_clients):
    clients = server_clients
    stream_arn, table = make_stream(clients)
    calls: list[list[str]] = []

    def fail_second_once(event):
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
        calls.append(keys)
        if len(calls) == 1:
            return {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["dynamodb"]["SequenceNumber"]}]}
        return {"batchItemFailures": []}

    wiring = StreamWiring("demo", "OutboxRelay", stream_arn, table.name, report_failures=True)
    slept: list[float] = []
    poller = StreamPoller(wiring, clients, fail_second_once, sleep=slept.append)
    poller.start_at("LATEST")
    for pk in ("a", "b", "c"):
        table.put(pk)

    poller.poll_once()
    table.put("d")  # arrives while the batch is being retried: must wait its turn
    poller.poll_once()
    poller.poll_once()

    assert calls == [["a", "b", "c"], ["b", "c"], ["d"]]
    assert len(slept) == 1


def test_stream_poller_retries_the_whole_batch_when_the_function_raises(server_clients):
    clients = server_clients
    stream_arn, table = make_stream(clients)
    calls: list[int] = []

    def crash_once(event):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("crash between write and publish")

    poller = StreamPoller(StreamWiring("demo", "R", stream_arn, table.name), clients, crash_once, sleep=lambda s: None)
    poller.start_at("LATEST")
    table.put("a")
    table.put("b")
    poller.poll_once()
    poller.poll_once()
    assert calls == [2, 2]


class RefusesTheFirstRead:
    """The stack's clients, but the first GetRecords fails with ``code`` (as DynamoDB Local
    under LocalStack answers an iterator it no longer accepts, or AWS an expired one)."""

    def __init__(self, clients: Any, code: str) -> None:
        self.inner, self.code, self.refused = clients, code, False
        self.region = clients.region

    def raw(self, service: str, operation: str, params: dict[str, Any]) -> Any:
        return None if not self.refused else self.inner.raw(service, operation, params)

    def __call__(self, service: str) -> Any:
        client = self.inner(service)
        if service != "dynamodbstreams" or self.refused:
            return client
        outer = self

        class Once:
            def __getattr__(self, name: str) -> Any:
                return getattr(client, name)

            def get_records(self, **params: Any) -> Any:
                from botocore.exceptions import ClientError

                outer.refused = True
                raise ClientError({"Error": {"Code": outer.code, "Message": "refused"}}, "GetRecords")

        return Once()


@pytest.mark.parametrize("code", ["TrimmedDataAccessException", "ExpiredIteratorException"])
def test_a_refused_iterator_is_opened_again_and_no_record_is_lost(server_clients, code):
    clients = server_clients
    stream_arn, table = make_stream(clients)
    invoke = Recorder()
    poller = StreamPoller(StreamWiring("demo", "R", stream_arn, table.name), clients, invoke, sleep=lambda s: None)
    poller.start_at("LATEST")
    table.put("a")
    poller.clients = RefusesTheFirstRead(clients, code)  # type: ignore[assignment]

    assert poller.poll_once() == 0  # refused: the iterator is opened again, nothing invoked
    table.put("b")
    poller.poll_once()

    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for e in invoke.events for r in e["Records"]]
    assert keys == ["a", "b"]  # trimmed: from the oldest record; expired: nothing read yet, the same


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "OUTBOX#x"}}}}, True),
        ({"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "OUTBOX#x"}}}}, False),
        ({"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "CONTACT#x"}}}}, False),
        ({"eventName": "INSERT", "dynamodb": {"Keys": {}}}, False),
    ],
)
def test_filter_patterns(record, expected):
    assert matches(OUTBOX_FILTER, record) is expected


def test_filters_are_ored_and_none_means_everything():
    assert passes((), {"anything": 1})
    assert passes(({"a": [1]}, {"b": [{"exists": True}]}), {"b": 0})
    assert not passes(({"a": [{"anything-but": [1, 2]}]},), {"a": 2})
