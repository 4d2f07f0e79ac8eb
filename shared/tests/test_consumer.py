"""Consumers: partial batch responses, poison messages, exactly-once handling per event_id."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared.consumer import Consumer, Subscription
from shared.events import Envelope, Event, IncomingEvent, Outgoing, new_event


class Pinged(Event):
    bus_source = "crm.kernel"
    n: int


class PingedView(IncomingEvent):
    n: int


def _record(body: str) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "rh",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:crm-dev-kernel-events",
        "awsRegion": "us-east-1",
    }


def _bus_message(event: Outgoing) -> str:
    # What EventBridge puts on the queue (moto omits "account"; the consumer must not need it).
    return json.dumps({"source": event.source, "detail-type": event.detail_type, "detail": event.detail})


def _consumer(seen: list[int], fail_on: int | None = None) -> Consumer:
    def handle(envelope: Envelope[PingedView]) -> None:
        if envelope.data.n == fail_on:
            raise RuntimeError("downstream failed")
        seen.append(envelope.data.n)

    return Consumer("kernel", "kernel-on-event", [Subscription("Pinged", PingedView, handle)])


def test_the_same_event_delivered_three_times_is_handled_once(table: str) -> None:
    # Given one event delivered three times (at-least-once delivery)
    seen: list[int] = []
    message = _bus_message(new_event(Pinged(n=1)))
    consumer = _consumer(seen)
    # When each delivery is processed
    for _ in range(3):
        assert consumer({"Records": [_record(message)]}, None) == {"batchItemFailures": []}
    # Then the side effect happened once
    assert seen == [1]


def test_a_poison_message_fails_alone_and_the_rest_of_the_batch_is_processed(table: str) -> None:
    seen: list[int] = []
    records = [
        _record(_bus_message(new_event(Pinged(n=1)))),
        _record("this is not an event"),
        _record(json.dumps({"detail-type": "Pinged", "detail": {"metadata": {}, "data": {"n": "x"}}})),
        _record(_bus_message(new_event(Pinged(n=2)))),
    ]
    result = _consumer(seen)({"Records": records}, None)
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == sorted(
        [records[1]["messageId"], records[2]["messageId"]]
    )
    assert seen == [1, 2]


def test_a_failed_handler_is_retried_on_redelivery(table: str) -> None:
    seen: list[int] = []
    record = _record(_bus_message(new_event(Pinged(n=7))))
    assert _consumer(seen, fail_on=7)({"Records": [record]}, None)["batchItemFailures"]
    # The failure left no idempotency record behind: the redelivery runs the handler.
    assert _consumer(seen)({"Records": [record]}, None) == {"batchItemFailures": []}
    assert seen == [7]


def test_events_nobody_subscribes_to_are_dropped_not_failed(table: str) -> None:
    body = json.dumps({"detail-type": "SomethingElse", "detail": {}})
    assert _consumer([])({"Records": [_record(body)]}, None) == {"batchItemFailures": []}


def test_every_handler_of_a_detail_type_runs_once_in_order_and_a_poison_reading_runs_none(table: str) -> None:
    # Given two features subscribed to the same detail-type, one reading a field the other does not
    class Strict(IncomingEvent):
        n: int
        extra: str

    seen: list[str] = []
    consumer = Consumer(
        "kernel",
        "kernel-on-event",
        [
            Subscription("Pinged", PingedView, lambda e: seen.append(f"first {e.data.n}")),
            Subscription("Pinged", PingedView, lambda e: seen.append(f"second {e.data.n}")),
        ],
    )
    message = _bus_message(new_event(Pinged(n=7)))
    # When the event is delivered twice
    for _ in range(2):
        assert consumer({"Records": [_record(message)]}, None) == {"batchItemFailures": []}
    # Then both handlers ran once, in declared order
    assert seen == ["first 7", "second 7"]

    # And when one handler cannot read the event, it is poison and no handler runs
    strict = Consumer(
        "kernel",
        "kernel-on-event-strict",
        [
            Subscription("Pinged", PingedView, lambda e: seen.append("ran")),
            Subscription("Pinged", Strict, lambda e: seen.append("ran")),
        ],
    )
    record = _record(_bus_message(new_event(Pinged(n=8))))
    assert strict({"Records": [record]}, None) == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert seen == ["first 7", "second 7"]
