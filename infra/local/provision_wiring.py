"""The overlays a service template puts on its Chalice functions
(``<Function>.Properties.Events``), recorded as the event-source wiring that
``infra.local.pollers`` plays Lambda's part for, or created as emulator schedules."""

from __future__ import annotations

import json
from typing import Any

from infra.local.aws import ACCOUNT_ID
from infra.local.cfn import TemplateError
from infra.local.provision_context import Created, TemplateContext, as_int, lambda_arn
from infra.local.provision_events import put_schedule
from infra.local.topology import SqsWiring, StreamWiring


def overlay(ctx: TemplateContext, logical_id: str, resource: dict[str, Any]) -> Created:
    """``<Function>.Properties.Events``: the event sources of a Chalice-generated function."""
    if ctx.service is None:
        raise TemplateError(f"{logical_id}: an overlay outside a service template")
    events = (resource.get("Properties") or {}).get("Events") or {}
    for event_name, event in events.items():
        kind = event.get("Type")
        props = ctx.resolver.resolve(event.get("Properties") or {})
        if kind == "SQS":
            wire_sqs(ctx, logical_id, props)
        elif kind == "DynamoDB":
            wire_stream(ctx, logical_id, props)
        elif kind in ("Schedule", "ScheduleV2"):
            wire_schedule(ctx, logical_id, event_name, props)
        else:
            ctx.topology.notes.append(f"{ctx.service}: {logical_id}.{event_name} ({kind}) not wired locally")
    return Created(ref=logical_id)


def wire_sqs(ctx: TemplateContext, function: str, props: dict[str, Any]) -> None:
    arn = props["Queue"]
    queue = next((q for q in ctx.topology.queues.values() if q.arn == arn), None)
    url = queue.url if queue else ctx.clients("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
    ctx.topology.sqs.append(
        SqsWiring(
            service=str(ctx.service),
            function=function,
            queue_arn=arn,
            queue_url=url,
            batch_size=as_int(props.get("BatchSize"), 10),
            batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            concurrency=as_int((props.get("ScalingConfig") or {}).get("MaximumConcurrency"), 1),
        )
    )


def wire_stream(ctx: TemplateContext, function: str, props: dict[str, Any]) -> None:
    stream_arn = props["Stream"]
    filters = tuple(
        json.loads(f["Pattern"]) if isinstance(f["Pattern"], str) else f["Pattern"]
        for f in (props.get("FilterCriteria") or {}).get("Filters", [])
    )
    ctx.topology.streams.append(
        StreamWiring(
            service=str(ctx.service),
            function=function,
            stream_arn=stream_arn,
            table_name=stream_arn.split(":table/", 1)[1].split("/", 1)[0],
            batch_size=as_int(props.get("BatchSize"), 100),
            batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            starting_position=props.get("StartingPosition", "LATEST"),
            report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            filters=filters,
        )
    )


def wire_schedule(ctx: TemplateContext, function: str, event_name: str, props: dict[str, Any]) -> None:
    """SAM Schedule/ScheduleV2 events become emulator schedules targeting the function,
    which ``infra.local.scheduler`` fires in-process (a Schedule event is an EventBridge
    rule in AWS; locally both are Scheduler schedules)."""
    name = props.get("Name") or f"{ctx.prefix}-{function}-{event_name}"[:64]
    target: dict[str, Any] = {
        "Arn": lambda_arn(ctx.clients.region, ctx.topology.stage, str(ctx.service), function),
        "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{ctx.prefix}-scheduler",
    }
    if "Input" in props:
        target["Input"] = props["Input"]
    args = {
        "Name": name,
        "ScheduleExpression": props["Schedule"] if "Schedule" in props else props["ScheduleExpression"],
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        "State": "ENABLED" if props.get("Enabled", True) else "DISABLED",
    }
    put_schedule(ctx.clients, args)
    ctx.topology.schedules.append(name)
