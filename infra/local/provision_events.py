"""Creators for a template's event resources on the emulator: the EventBridge bus, its
archive and rules, Scheduler schedules and groups, and SES identities."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from infra.local.aws import Clients
from infra.local.cfn import TemplateError
from infra.local.provision_context import Created, TemplateContext, as_json, conflict

RULE_TARGET_KEYS = (
    "Id",
    "Arn",
    "RoleArn",
    "Input",
    "InputPath",
    "InputTransformer",
    "SqsParameters",
    "DeadLetterConfig",
    "RetryPolicy",
)
SCHEDULE_TARGET_KEYS = (
    "Arn",
    "RoleArn",
    "Input",
    "RetryPolicy",
    "DeadLetterConfig",
    "SqsParameters",
    "EventBridgeParameters",
)


# The bus archive (infra/bus.yaml) is not created on moto; see archive().
CREATE_ARCHIVE = False


def put_schedule(clients: Clients, args: dict[str, Any]) -> str:
    scheduler = clients("scheduler")
    try:
        return str(scheduler.create_schedule(**args)["ScheduleArn"])
    except ClientError as exc:
        if not conflict(exc, "ConflictException"):
            raise
        return str(scheduler.update_schedule(**args)["ScheduleArn"])


def ensure_bus(clients: Clients, name: str) -> str:
    events = clients("events")
    try:
        return str(events.create_event_bus(Name=name)["EventBusArn"])
    except ClientError as exc:
        if not conflict(exc, "ResourceAlreadyExistsException"):
            raise
        return str(events.describe_event_bus(Name=name)["Arn"])


# --- EventBridge ----------------------------------------------------------------------


def bus(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props["Name"]
    arn = ensure_bus(ctx.clients, name)
    return Created(ref=name, attributes={"Arn": arn, "Name": name})


def archive(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    if not CREATE_ARCHIVE:
        # moto copies its whole archive on every PutEvents: measured 25 -> 75 ms per call
        # after 900 events, which would dominate every hop. Replay is a cloud-side tool.
        ctx.topology.notes.append(f"infra: {logical_id} (bus archive) not created locally: slows moto's PutEvents")
        return Created(ref=logical_id, attributes={"Arn": f"arn:aws:events:local:archive/{logical_id}"})
    events = ctx.clients("events")
    name = props.get("ArchiveName") or f"{ctx.prefix}-{logical_id}"[:48]
    args: dict[str, Any] = {"ArchiveName": name, "EventSourceArn": props["SourceArn"]}
    if "EventPattern" in props:
        args["EventPattern"] = as_json(props["EventPattern"])
    if "RetentionDays" in props:
        args["RetentionDays"] = int(props["RetentionDays"])
    if "Description" in props:
        args["Description"] = props["Description"]
    try:
        arn = events.create_archive(**args)["ArchiveArn"]
    except ClientError as exc:
        if not conflict(exc, "ResourceAlreadyExistsException"):
            raise
        arn = events.describe_archive(ArchiveName=name)["ArchiveArn"]
    return Created(ref=name, attributes={"Arn": arn, "ArchiveName": name})


def rule(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    events = ctx.clients("events")
    name = props.get("Name") or f"{ctx.prefix}-{logical_id}"[:64]
    bus_name = str(props.get("EventBusName", "default")).rsplit("event-bus/", 1)[-1]
    args: dict[str, Any] = {"Name": name, "EventBusName": bus_name, "State": props.get("State", "ENABLED")}
    if "EventPattern" in props:
        args["EventPattern"] = as_json(props["EventPattern"])
    if "ScheduleExpression" in props:
        args["ScheduleExpression"] = props["ScheduleExpression"]
        ctx.topology.notes.append(f"{ctx.service}: rule {name} has a schedule; the emulator never fires it")
    if "Description" in props:
        args["Description"] = props["Description"]
    arn = events.put_rule(**args)["RuleArn"]
    targets = [{k: t[k] for k in RULE_TARGET_KEYS if k in t} for t in props.get("Targets", [])]
    for target in targets:
        if "InputTransformer" in target and isinstance(target["InputTransformer"].get("InputPathsMap"), dict):
            target["InputTransformer"] = dict(target["InputTransformer"])
        if ":lambda:" in target["Arn"]:
            ctx.topology.notes.append(f"{ctx.service}: rule {name} targets a function; not delivered locally")
    if targets:
        result = events.put_targets(Rule=name, EventBusName=bus_name, Targets=targets)
        if result.get("FailedEntryCount"):
            raise TemplateError(f"rule {name}: targets refused: {result['FailedEntries']}")
    ctx.topology.rules.append(name)
    return Created(ref=name, attributes={"Arn": arn})


# --- Scheduler, SES -------------------------------------------------------------------


def schedule_group(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    scheduler = ctx.clients("scheduler")
    name = props.get("Name") or f"{ctx.prefix}-{logical_id}"[:64]
    try:
        arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
    except ClientError as exc:
        if not conflict(exc, "ConflictException"):
            raise
        arn = scheduler.get_schedule_group(Name=name)["Arn"]
    return Created(ref=name, attributes={"Arn": arn})


def schedule(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("Name") or f"{ctx.prefix}-{logical_id}"[:64]
    target = {k: props["Target"][k] for k in SCHEDULE_TARGET_KEYS if k in props["Target"]}
    args: dict[str, Any] = {
        "Name": name,
        "ScheduleExpression": props["ScheduleExpression"],
        "FlexibleTimeWindow": props.get("FlexibleTimeWindow", {"Mode": "OFF"}),
        "Target": target,
        "State": props.get("State", "ENABLED"),
    }
    for key in ("GroupName", "ScheduleExpressionTimezone", "Description", "StartDate", "EndDate"):
        if key in props:
            args[key] = props[key]
    arn = put_schedule(ctx.clients, args)
    ctx.topology.schedules.append(name)
    return Created(ref=name, attributes={"Arn": arn})


def email_identity(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    identity = props["EmailIdentity"]
    ses = ctx.clients("ses")
    if "@" in identity:
        ses.verify_email_identity(EmailAddress=identity)
    else:
        ses.verify_domain_identity(Domain=identity)
    ctx.topology.identities.append(identity)
    return Created(ref=identity)


# --- SNS (SES's bounce and complaint notifications reach a queue through a topic) ----------


def topic(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    """A topic; ``Ref`` is its ARN, as in CloudFormation. create_topic is idempotent."""
    name = props.get("TopicName") or f"{ctx.prefix}-{logical_id}"
    arn = str(ctx.clients("sns").create_topic(Name=name)["TopicArn"])
    return Created(ref=arn, attributes={"TopicArn": arn, "TopicName": name})


def subscription(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    """A subscription of a queue (or anything SNS delivers to) to a topic; the emulator
    delivers each publish to the queue, wrapped in SNS's envelope unless raw delivery is on."""
    attributes = {
        key: str(props[key]).lower() if isinstance(props[key], bool) else as_json(props[key])
        for key in ("RawMessageDelivery", "FilterPolicy", "RedrivePolicy")
        if key in props
    }
    sns = ctx.clients("sns")
    existing = sns.list_subscriptions_by_topic(TopicArn=props["TopicArn"]).get("Subscriptions", [])
    found = next((s for s in existing if s.get("Endpoint") == props["Endpoint"]), None)
    if found is not None:
        return Created(ref=str(found["SubscriptionArn"]))
    arn = sns.subscribe(
        TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"], Attributes=attributes
    )["SubscriptionArn"]
    return Created(ref=str(arn))
