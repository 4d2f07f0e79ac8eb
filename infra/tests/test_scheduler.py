"""The scheduler reads rate/cron/at like EventBridge Scheduler and fires due schedules (injected clock)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.local.scheduler import At, ExpressionError, Scheduler, parse
from shared.aws import client
from shared.events import Event, new_event
from shared.schedules import cancel_schedule, schedule_event

T0 = datetime(2025, 3, 3, 10, 0, 30, tzinfo=UTC)  # a Monday


def test_rate_fires_every_interval_from_its_anchor():
    rate = parse("rate(5 minutes)", anchor=T0)
    assert rate.next_after(T0) == T0 + timedelta(minutes=5)
    assert rate.next_after(T0 + timedelta(minutes=7)) == T0 + timedelta(minutes=10)
    assert parse("rate(1 hour)", anchor=T0).next_after(T0) == T0 + timedelta(hours=1)
    assert parse("rate(2 days)", anchor=T0).next_after(T0) == T0 + timedelta(days=2)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 12 * * ? *)", datetime(2025, 3, 3, 12, 0, tzinfo=UTC)),
        ("cron(*/15 * * * ? *)", datetime(2025, 3, 3, 10, 15, tzinfo=UTC)),
        ("cron(0 9 ? * MON-FRI *)", datetime(2025, 3, 4, 9, 0, tzinfo=UTC)),
        ("cron(0 9 ? * 1 *)", datetime(2025, 3, 9, 9, 0, tzinfo=UTC)),  # AWS: 1 = Sunday
        ("cron(30 8,20 1 * ? *)", datetime(2025, 4, 1, 8, 30, tzinfo=UTC)),
        ("cron(0 0 1 JAN ? 2026)", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
        ("cron(5-7/2 10 * * ? *)", datetime(2025, 3, 3, 10, 5, tzinfo=UTC)),
    ],
)
def test_cron_next_occurrence(expression, expected):
    assert parse(expression).next_after(T0) == expected


def test_cron_in_a_time_zone():
    # 09:00 in New York (EST, UTC-5 on this date) is 14:00 UTC
    cron = parse("cron(0 9 * * ? *)", timezone="America/New_York")
    assert cron.next_after(T0) == datetime(2025, 3, 3, 14, 0, tzinfo=UTC)


def test_at_fires_once():
    at = parse("at(2025-03-03T10:05:00)")
    assert isinstance(at, At)
    assert at.next_after(T0) == datetime(2025, 3, 3, 10, 5, tzinfo=UTC)
    assert at.next_after(T0 + timedelta(hours=1)) is None


@pytest.mark.parametrize("bad", ["rate(5 fortnights)", "cron(0 12 * * ?)", "cron(0 12 L * ? *)", "every day"])
def test_unsupported_expressions_are_refused(bad):
    with pytest.raises(ExpressionError):
        parse(bad)


def queue(clients, name="jobs"):
    sqs = clients("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def schedule(clients, name, expression, target, **extra):
    clients("scheduler").create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"RoleArn": "arn:aws:iam::123456789012:role/r", **target},
        **extra,
    )


def drain(clients, url):
    messages = clients("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for m in messages:
        clients("sqs").delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [m["Body"] for m in messages]


def test_a_rate_schedule_delivers_its_input_to_sqs_when_due(clients):
    url, arn = queue(clients)
    schedule(clients, "every-minute", "rate(1 minute)", {"Arn": arn, "Input": '{"job": "sweep"}'})
    scheduler = Scheduler(clients)

    assert scheduler.tick(T0) == 0  # first sight: due one interval later
    assert scheduler.tick(T0 + timedelta(seconds=59)) == 0
    assert scheduler.tick(T0 + timedelta(seconds=60)) == 1
    assert drain(clients, url) == ['{"job": "sweep"}']
    # Missed occurrences are not replayed in a burst: one firing per tick
    assert scheduler.tick(T0 + timedelta(minutes=5)) == 1
    assert scheduler.tick(T0 + timedelta(minutes=5, seconds=1)) == 0


def test_an_at_schedule_fires_once_and_deletes_itself(clients):
    url, arn = queue(clients)
    schedule(clients, "once", "at(2025-03-03T10:01:00)", {"Arn": arn, "Input": "{}"}, ActionAfterCompletion="DELETE")
    scheduler = Scheduler(clients)
    assert scheduler.tick(T0) == 0
    assert scheduler.tick(T0 + timedelta(minutes=1)) == 1
    assert clients("scheduler").list_schedules()["Schedules"] == []
    assert scheduler.tick(T0 + timedelta(minutes=2)) == 0
    assert len(drain(clients, url)) == 1


def test_a_lambda_target_is_invoked_in_process(clients):
    invoked: list[tuple[str, dict]] = []
    arn = "arn:aws:lambda:us-east-1:123456789012:function:crm-dev-campaigns-SendDue"
    schedule(clients, "send", "cron(* * * * ? *)", {"Arn": arn, "Input": json.dumps({"campaign": "c1"})})
    scheduler = Scheduler(
        clients,
        find_function=lambda name: name if name.endswith("SendDue") else None,
        invoke_function=lambda function, event: invoked.append((function, event)),
    )
    scheduler.tick(T0)
    scheduler.tick(T0 + timedelta(seconds=30))
    import time

    for _ in range(50):  # delivery is asynchronous, as Scheduler -> Lambda is
        if invoked:
            break
        time.sleep(0.01)
    assert invoked == [(arn, {"campaign": "c1"})]


def test_disabled_schedules_do_not_fire(clients):
    _, arn = queue(clients)
    schedule(clients, "off", "rate(1 minute)", {"Arn": arn}, State="DISABLED")
    scheduler = Scheduler(clients)
    scheduler.tick(T0)
    assert scheduler.tick(T0 + timedelta(minutes=2)) == 0


class Due(Event):
    bus_source = "crm.kernel"
    n: int


def test_a_one_time_schedule_of_shared_schedules_puts_the_event_on_the_bus_and_deletes_itself(clients) -> None:
    events, sqs = clients("events"), clients("sqs")
    events.create_event_bus(Name="crm-dev")
    url = sqs.create_queue(QueueName="tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="tap", EventBusName="crm-dev", EventPattern=json.dumps({"source": ["crm.kernel"]}))
    events.put_targets(Rule="tap", EventBusName="crm-dev", Targets=[{"Id": "tap", "Arn": arn}])
    event = new_event(Due(n=2))
    client.cache_clear()
    schedule_event("due-2", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), event)

    scheduler = Scheduler(clients)
    assert scheduler.tick(datetime(2030, 1, 2, 3, 4, 4, tzinfo=UTC)) == 0
    assert scheduler.tick(datetime(2030, 1, 2, 3, 4, 6, tzinfo=UTC)) == 1

    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert (body["source"], body["detail-type"], body["detail"]) == ("crm.kernel", "Due", event.detail)
    assert cancel_schedule("due-2") is False  # it deleted itself after firing
    client.cache_clear()


def test_each_firing_fills_schedulers_context_attributes_in_the_input():
    from datetime import UTC, datetime

    from infra.local.scheduler import with_context

    # Given a recurring schedule whose input names the firing's id and time, as AWS fills them
    schedule = {
        "Name": "campaign-c1",
        "Target": {
            "Arn": "arn:x",
            "Input": '{"id": "<aws.scheduler.execution-id>", "at": "<aws.scheduler.scheduled-time>"}',
        },
    }
    # When it fires twice
    first = with_context(schedule, datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    second = with_context(schedule, datetime(2026, 12, 14, 1, 0, tzinfo=UTC))
    # Then each firing is its own event, for its own time, and the schedule itself is unchanged
    assert '"at": "2026-12-07T01:00:00Z"' in first["Input"] and '"at": "2026-12-14T01:00:00Z"' in second["Input"]
    assert first["Input"] != second["Input"] and "<aws.scheduler" not in first["Input"]
    assert "<aws.scheduler.execution-id>" in schedule["Target"]["Input"]
