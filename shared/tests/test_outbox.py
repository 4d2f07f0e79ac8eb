"""The outbox relay: DynamoDB stream records -> EventBridge, never losing an event."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import boto3
import pytest

from shared.events import Event, new_event
from shared.outbox import outbox_model, outbox_record, relay
from shared.table import table_meta, transaction


class Pinged(Event):
    bus_source = "crm.kernel"
    n: int


def _bus_queue() -> str:
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="crm-dev")
    url = sqs.create_queue(QueueName="tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="tap", EventBusName="crm-dev", EventPattern=json.dumps({"source": ["crm.kernel"]}))
    events.put_targets(Rule="tap", EventBusName="crm-dev", Targets=[{"Id": "tap", "Arn": arn}])
    return url


def _stream_records(table: str) -> list[dict[str, Any]]:
    """INSERT records as the table's stream carries them (moto's in-process mock has no streams API)."""
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000"
    items = sorted(boto3.client("dynamodb").scan(TableName=table)["Items"], key=lambda i: i["pk"]["S"])
    return [
        {
            "eventName": "INSERT",
            "eventSourceARN": arn,
            "dynamodb": {"Keys": {"pk": i["pk"], "sk": i["sk"]}, "NewImage": i, "SequenceNumber": str(n)},
        }
        for n, i in enumerate(items, start=1)
    ]


def _write(table: str, *events: Event) -> None:
    model = outbox_model(table_meta("kernel"))
    with transaction() as tx:
        for event in events:
            tx.save(outbox_record(model, new_event(event)))


def _outbox_items(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=table)["Items"]


def test_relay_publishes_each_outbox_record_once_and_deletes_it(table: str) -> None:
    # Given two events committed to the outbox, and a rule tapping the bus
    url = _bus_queue()
    _write(table, Pinged(n=1), Pinged(n=2))
    # When the relay receives the stream batch
    result = relay({"Records": _stream_records(table)})
    # Then both reach the bus in the documented envelope, and the outbox is empty
    assert result == {"batchItemFailures": []}
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    bodies = [json.loads(m["Body"]) for m in messages]
    assert sorted(b["detail"]["data"]["n"] for b in bodies) == [1, 2]
    assert {b["detail-type"] for b in bodies} == {"Pinged"}
    assert set(bodies[0]["detail"]["metadata"]) >= {"event_id", "event_version", "occurred_at", "correlation_id"}
    assert _outbox_items(table) == []


def test_refused_entries_are_retried_not_ignored(table: str) -> None:
    # Given EventBridge refuses one entry of the first call
    _bus_queue()
    _write(table, Pinged(n=1), Pinged(n=2))
    from shared.aws import client

    events = client("events")
    real = events.put_events
    calls: list[int] = []

    def flaky(Entries: list[dict[str, Any]]) -> dict[str, Any]:
        calls.append(len(Entries))
        if len(calls) == 1:
            real(Entries=Entries[:1])
            return {"FailedEntryCount": 1, "Entries": [{"EventId": "a"}, {"ErrorCode": "ThrottlingException"}]}
        return real(Entries=Entries)

    # When the relay runs
    with mock.patch.object(events, "put_events", side_effect=flaky):
        result = relay({"Records": _stream_records(table)})
    # Then only the refused entry is sent again, and nothing is left behind
    assert calls == [2, 1]
    assert result == {"batchItemFailures": []}
    assert _outbox_items(table) == []


def test_when_the_bus_keeps_failing_the_batch_is_reported_and_the_outbox_kept(table: str) -> None:
    _write(table, Pinged(n=1))
    from shared.aws import client

    records = _stream_records(table)
    with mock.patch.object(client("events"), "put_events", side_effect=RuntimeError("bus down")):
        result = relay({"Records": records})
    assert result["batchItemFailures"] == [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]
    assert len(_outbox_items(table)) == 1


@pytest.mark.parametrize("event_name", ["MODIFY", "REMOVE"])
def test_relay_ignores_anything_but_new_outbox_records(table: str, event_name: str) -> None:
    record = {"eventName": event_name, "dynamodb": {"NewImage": {"pk": {"S": "OUTBOX#1"}}}}
    assert relay({"Records": [record]}) == {"batchItemFailures": []}


def test_both_outbox_writers_store_the_same_record(table: str) -> None:
    from shared.codec import from_item
    from shared.outbox import outbox_item, outbox_put

    # Given one event written through pynamodb and another through the low-level client
    pynamo, low_level = new_event(Pinged(n=1)), new_event(Pinged(n=2))
    with transaction() as tx:
        tx.save(outbox_record(outbox_model(table_meta("kernel")), pynamo))
    boto3.client("dynamodb").transact_write_items(TransactItems=[outbox_put(table, low_level)])
    # When both are read back
    items = {i["pk"]["S"]: from_item(i) for i in _outbox_items(table)}
    # Then each is its outbox_item, attribute for attribute (expiry within the same second or so)
    for event in (pynamo, low_level):
        stored, expected = items["OUTBOX#" + event.event_id], outbox_item(event)
        assert stored is not None
        assert abs(stored.pop("expires_at") - expected.pop("expires_at")) <= 2
        assert stored == expected
    # And the relay reads both the same way
    assert {json.loads(i["detail"])["data"]["n"] for i in items.values() if i} == {1, 2}


def test_a_replayed_low_level_outbox_write_cancels_its_transaction(table: str) -> None:
    from botocore.exceptions import ClientError

    from shared.outbox import outbox_put
    from shared.table import cancellation_codes

    # Given an event already in the outbox
    event = new_event(Pinged(n=1))
    ddb = boto3.client("dynamodb")
    ddb.transact_write_items(TransactItems=[outbox_put(table, event)])
    # When the same event is written again
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[outbox_put(table, event)])
    # Then the transaction is cancelled on its condition, and one record remains
    assert cancellation_codes(err.value) == ["ConditionalCheckFailed"]
    assert len(_outbox_items(table)) == 1
