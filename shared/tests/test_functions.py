"""Every deployed handler, invoked as Lambda invokes it (``handler(event, context)``, no
local stack), logs with its function's context and flushes its metrics per invocation."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from shared.events import Event, new_event


@dataclass
class LambdaContext:
    """What Lambda's Python runtime passes as ``context`` (the fields Powertools reads)."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:x"
    log_group_name: str = "/aws/lambda/x"
    log_stream_name: str = "2026/01/01/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class Pinged(Event):
    bus_source = "crm.kernel"
    n: int


class _Stdout:
    """Whatever ``sys.stdout`` is when a line is written (pytest swaps it between phases)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def stdout(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Lambda's stdout (log lines and EMF blobs), the kernel's logger writing to it."""
    from shared.observability import get_logger

    # The handler keeps the stream it was created with (maybe an earlier test's capture),
    # and the logger the level of the process that built it (a bench run in this worker
    # sets WARNING): these tests read INFO lines.
    log = get_logger()
    handler: Any = log.registered_handler
    previous, handler.stream = handler.stream, _Stdout()
    level = log.log_level
    log.setLevel("INFO")
    yield capsys
    log.setLevel(level)
    handler.stream = previous


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _emf(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if "_aws" in line]


def _app() -> Any:
    from chalice.app import Chalice

    return Chalice(app_name="crm-kernel")


def test_the_outbox_relay_logs_its_context_and_flushes_events_relayed(
    table: str, stdout: pytest.CaptureFixture[str]
) -> None:
    from shared.functions import add_outbox_relay
    from shared.outbox import outbox_put

    # Given an outbox record in the table's stream, and a bus that refuses nothing
    boto3.client("events").create_event_bus(Name="crm-dev")
    event = new_event(Pinged(n=1))
    put = outbox_put(table, event)["Put"]
    boto3.client("dynamodb").put_item(TableName=table, Item=put["Item"])
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000"
    image = {"NewImage": put["Item"], "SequenceNumber": "1"}
    record = {"eventName": "INSERT", "eventSourceARN": arn, "dynamodb": image}
    relay = add_outbox_relay(_app())
    context = LambdaContext("crm-dev-kernel-outbox_relay")
    # When Lambda invokes the relay, first with a record, then with nothing to relay
    assert relay({"Records": [record]}, context) == {"batchItemFailures": []}
    first = _lines(stdout.readouterr().out)
    relay({"Records": []}, LambdaContext("crm-dev-kernel-outbox_relay"))
    second = _lines(stdout.readouterr().out)
    # Then the first invocation's metrics were flushed when it ended
    (blob,) = _emf(first)
    assert blob["EventsRelayed"] == [1.0]
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CRM"
    # And nothing is flushed twice (the second invocation recorded nothing)
    assert _emf(second) == []


def test_a_worker_logs_with_its_function_name_and_request_id(stdout: pytest.CaptureFixture[str]) -> None:
    from shared.functions import add_worker
    from shared.jobs import job_worker
    from shared.observability import logger, metrics
    from shared.testing import sqs_event

    # Given a job worker whose job logs a line and counts itself
    def job(message: dict[str, Any]) -> None:
        logger.info("job ran", extra={"n": message["n"]})
        metrics.add_metric(name="JobsRun", unit="Count", value=1)

    worker = add_worker(_app(), "kernel_worker", job_worker("kernel_worker", job))
    context = LambdaContext("crm-dev-kernel-kernel_worker")
    # When Lambda invokes it with one job
    response = worker(sqs_event([json.dumps({"n": 5})]), context)
    # Then the job's log line carries the function and the invocation's request id
    assert response == {"batchItemFailures": []}
    lines = _lines(stdout.readouterr().out)
    (ran,) = [line for line in lines if line.get("message") == "job ran"]
    assert ran["function"] == "crm-dev-kernel-kernel_worker"
    assert ran["request_id"] == context.aws_request_id
    # And its metric was flushed with the invocation
    assert [b for b in _emf(lines) if "JobsRun" in b]
    # And the keys do not leak into the next log line outside an invocation
    logger.info("outside")
    (outside,) = _lines(stdout.readouterr().out)
    assert "function" not in outside


def test_a_route_logs_its_context_and_flushes_its_metrics(aws: None, stdout: pytest.CaptureFixture[str]) -> None:
    from shared.auth import Role
    from shared.http import Api, Router
    from shared.observability import logger, metrics
    from shared.testing import bearer

    # Given a service's API with a route that logs and counts
    app = _app()
    router = Router()

    @router.route("/ping", roles=[Role.ADMIN])
    def ping(ctx: Any) -> dict[str, str]:
        logger.info("pinged")
        metrics.add_metric(name="Pings", unit="Count", value=1)
        return {"pong": "yes"}

    Api(app, "kernel").include(router)

    event = {
        "resource": "/ping",
        "path": "/ping",
        "httpMethod": "GET",
        "headers": bearer("admin"),
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": "/ping", "httpMethod": "GET", "requestId": "r-1", "stage": "api"},
        "body": None,
        "isBase64Encoded": False,
    }
    context = LambdaContext("crm-dev-kernel-api")
    # When API Gateway's Lambda integration invokes the app
    response = app(event, context)
    # Then it answers, its log line names the function and request, and its metric is flushed
    assert response["statusCode"] == 200
    lines = _lines(stdout.readouterr().out)
    (pinged,) = [line for line in lines if line.get("message") == "pinged"]
    assert pinged["function"] == "crm-dev-kernel-api"
    assert pinged["request_id"] == context.aws_request_id
    assert [b for b in _emf(lines) if "Pings" in b]


def test_a_function_keeps_its_name_as_chalice_s_handler() -> None:
    from shared.functions import add_schedule, add_worker, export_handlers
    from shared.jobs import job_worker

    # Given a worker object and a schedule registered on an app
    app = _app()
    add_worker(app, "kernel_worker", job_worker("kernel_worker", lambda message: None))
    add_schedule(app, "kernel_daily", lambda event, context: {"ok": True})
    # When app.py binds the handlers, then each is found under its own name
    namespace: dict[str, Any] = {}
    export_handlers(app, namespace)
    assert sorted(namespace) == ["kernel_daily", "kernel_worker"]
    assert namespace["kernel_daily"]({}, LambdaContext("crm-dev-kernel-kernel_daily")) == {"ok": True}
