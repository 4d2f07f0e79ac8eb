"""Provision the emulator from the templates that deploy: ``infra/bus.yaml`` and every
``services/*/resources.yaml``.

A small, idempotent provisioner instead of moto's CloudFormation (which crashes on some
of these resources). It creates what the emulator can hold (tables, queues, the bus,
archive, rules, schedules, SES identities), skips what has no local meaning (IAM,
queue policies), and records the event-source wiring that the overlays declare on the
Chalice functions, so that ``infra.local.pollers`` can play Lambda's part.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from infra.local.aws import ACCOUNT_ID, Clients
from infra.local.cfn import (
    Resolver,
    TemplateError,
    environment_variables,
    load_template,
    own_variables,
    parameter_values,
    resolved_environment,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

# Local difference: short visibility timeouts so that a poison message is retried and
# reaches its DLQ within seconds instead of minutes (job queues: long enough for one
# job's run on a busy laptop). Applied where a template declares them.
LOCAL_PARAMETER_OVERRIDES = {"QueueVisibilityTimeout": "2", "JobQueueVisibilityTimeout": "60"}

# Types with no local meaning: permissions are not enforced by the emulator.
SKIPPED_TYPES = ("AWS::IAM::", "AWS::SQS::QueuePolicy", "AWS::Events::EventBusPolicy", "AWS::Lambda::Permission")

SQS_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)
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


# The bus archive (infra/bus.yaml) is not created on moto; see Provisioner._archive.
CREATE_ARCHIVE = False


@dataclass(frozen=True)
class TableInfo:
    service: str | None
    logical_id: str
    name: str
    arn: str
    stream_arn: str | None


@dataclass(frozen=True)
class QueueInfo:
    service: str | None
    logical_id: str
    name: str
    url: str
    arn: str
    visibility_timeout: int


def _queue_notification(config: dict[str, Any]) -> dict[str, Any]:
    """A template's QueueConfiguration as the S3 API takes it (other names, same meaning)."""
    rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules", [])
    notification: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    if rules:
        notification["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
    return notification


@dataclass(frozen=True)
class SqsWiring:
    """An SQS event source mapping: queue -> function (logical id in its service)."""

    service: str
    function: str
    queue_arn: str
    queue_url: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_failures: bool = False
    # ScalingConfig.MaximumConcurrency: how many batches run at once (Lambda scales an SQS
    # source out by itself; locally one poller per unit of concurrency, 1 unless capped).
    concurrency: int = 1


@dataclass(frozen=True)
class StreamWiring:
    """A DynamoDB stream event source mapping: table stream -> function."""

    service: str
    function: str
    stream_arn: str
    table_name: str
    batch_size: int = 100
    batching_window: float = 0.0
    starting_position: str = "LATEST"
    report_failures: bool = False
    filters: tuple[dict[str, Any], ...] = ()


@dataclass
class Topology:
    stage: str
    bus_name: str
    tables: dict[str, TableInfo] = field(default_factory=dict)
    queues: dict[str, QueueInfo] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    identities: list[str] = field(default_factory=list)
    sqs: list[SqsWiring] = field(default_factory=list)
    streams: list[StreamWiring] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    # service -> function logical id ("" for Globals) -> resolved environment variables
    environments: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def environment(self, service: str, logical_id: str) -> dict[str, str]:
        """What the service's template gives that function: Globals, then its own variables."""
        declared = self.environments.get(service, {})
        return {**declared.get("", {}), **declared.get(logical_id, {})}


@dataclass
class _Created:
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


def lambda_arn(region: str, stage: str, service: str, logical_id: str) -> str:
    """The ARN the local stack gives a Chalice function referenced from a template.

    ``infra.local.functions`` registers each function under this name too, so that a
    schedule or rule targeting it is delivered in-process.
    """
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:crm-{stage}-{service}-{logical_id}"


def _conflict(exc: ClientError, *codes: str) -> bool:
    return exc.response.get("Error", {}).get("Code") in codes


def _as_int(value: Any, default: int) -> int:
    return int(value) if value is not None else default


class TemplateProvisioner:
    """Creates one template's resources on demand, resolving references as it goes."""

    def __init__(self, clients: Clients, topology: Topology, service: str | None, template: dict[str, Any]) -> None:
        self.clients = clients
        self.topology = topology
        self.service = service
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.created: dict[str, _Created] = {}
        self._in_progress: set[str] = set()
        overrides = {"Stage": topology.stage, **LOCAL_PARAMETER_OVERRIDES}
        self.parameters = parameter_values(template, overrides)
        for name in LOCAL_PARAMETER_OVERRIDES:
            if name in self.parameters:
                topology.notes.append(f"{service or 'infra'}: {name}={self.parameters[name]} (local override)")
        self.resolver = Resolver(self.parameters, clients.region, self._lookup)

    @property
    def prefix(self) -> str:
        return f"crm-{self.topology.stage}-{(self.service or 'infra').replace('_', '-')}"

    def run(self) -> None:
        for logical_id in self.resources:
            self.ensure(logical_id)
        if self.service is not None:
            self._environments(self.service)
        for name, output in (self.template.get("Outputs") or {}).items():
            export = output.get("Export", {}).get("Name") if isinstance(output, dict) else None
            if export is not None:
                self.topology.exports[str(self.resolver.resolve(export))] = self.resolver.resolve(output["Value"])
            del name

    def _environments(self, service: str) -> None:
        """Each function's environment, resolved to the names and URLs just provisioned."""
        found = {"": resolved_environment(self.resolver, environment_variables(self.template))}
        for logical_id, resource in self.resources.items():
            own = own_variables(resource.get("Properties") or {})
            if "Type" not in resource and own:  # an overlay on a Chalice function
                found[logical_id] = resolved_environment(self.resolver, own)
        self.topology.environments[service] = found

    def ensure(self, logical_id: str) -> _Created:
        if logical_id in self.created:
            return self.created[logical_id]
        if logical_id in self._in_progress:
            raise TemplateError(f"circular reference through {logical_id}")
        self._in_progress.add(logical_id)
        try:
            created = self._create(logical_id, self.resources[logical_id])
        finally:
            self._in_progress.discard(logical_id)
        self.created[logical_id] = created
        return created

    def _lookup(self, logical_id: str, attribute: str | None) -> Any:
        if logical_id.startswith("Export:"):
            return self.topology.exports[logical_id.removeprefix("Export:")]
        if logical_id not in self.resources:
            # Not declared here: a Chalice-generated function, referenced by its logical id.
            if attribute in (None, "Arn"):
                return lambda_arn(self.clients.region, self.topology.stage, self.service or "infra", logical_id)
            raise TemplateError(f"unknown reference {logical_id}.{attribute}")
        resource_type = self.resources[logical_id].get("Type", "")
        if resource_type.startswith("AWS::IAM::"):
            return f"arn:aws:iam::{ACCOUNT_ID}:role/{self.prefix}-{logical_id}"
        created = self.ensure(logical_id)
        if attribute is None:
            return created.ref
        if attribute not in created.attributes:
            raise TemplateError(f"{logical_id} has no attribute {attribute} locally")
        return created.attributes[attribute]

    def _create(self, logical_id: str, resource: dict[str, Any]) -> _Created:
        resource_type = resource.get("Type")
        if resource_type is None:
            return self._overlay(logical_id, resource)
        if any(resource_type.startswith(prefix) for prefix in SKIPPED_TYPES):
            return _Created(ref=logical_id)
        creators: dict[str, Callable[[str, dict[str, Any]], _Created]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::Events::EventBus": self._bus,
            "AWS::Events::Archive": self._archive,
            "AWS::Events::Rule": self._rule,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::Scheduler::ScheduleGroup": self._schedule_group,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::S3::Bucket": self._bucket,
        }
        creator = creators.get(resource_type)
        if creator is None:
            self.topology.notes.append(
                f"{self.service or 'infra'}: {logical_id} ({resource_type}) not emulated locally"
            )
            return _Created(ref=logical_id)
        properties = self.resolver.resolve(resource.get("Properties") or {})
        return creator(logical_id, properties)

    # --- DynamoDB -------------------------------------------------------------------

    def _table(self, logical_id: str, props: dict[str, Any]) -> _Created:
        ddb = self.clients("dynamodb")
        name = props.get("TableName") or f"{self.prefix}-{logical_id}"
        stream = props.get("StreamSpecification")
        stream_spec = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]} if stream else None
        try:
            description = ddb.describe_table(TableName=name)["Table"]
        except ddb.exceptions.ResourceNotFoundException:
            description = ddb.create_table(**self._table_args(name, props, stream_spec))["TableDescription"]
        else:
            if stream_spec and not description.get("LatestStreamArn"):
                description = ddb.update_table(TableName=name, StreamSpecification=stream_spec)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
        stream_arn = description.get("LatestStreamArn") if stream_spec else None
        info = TableInfo(self.service, logical_id, name, description["TableArn"], stream_arn)
        self.topology.tables[name] = info
        return _Created(ref=name, attributes={"Arn": info.arn, "StreamArn": stream_arn})

    @staticmethod
    def _table_args(name: str, props: dict[str, Any], stream_spec: dict[str, Any] | None) -> dict[str, Any]:
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                indexes = [dict(index) for index in props[key]]
                for index in indexes:
                    # Provisioned throughput is meaningless on on-demand tables (and refused).
                    if args["BillingMode"] == "PAY_PER_REQUEST":
                        index.pop("ProvisionedThroughput", None)
                    index.pop("ContributorInsightsSpecification", None)
                args[key] = indexes
        if stream_spec:
            args["StreamSpecification"] = stream_spec
        return args

    # --- SQS ------------------------------------------------------------------------

    def _queue(self, logical_id: str, props: dict[str, Any]) -> _Created:
        sqs = self.clients("sqs")
        fifo = str(props.get("FifoQueue", "")).lower() == "true"
        name = props.get("QueueName") or f"{self.prefix}-{logical_id}" + (".fifo" if fifo else "")
        attributes = {
            key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
            for key in SQS_ATTRIBUTES
            if key in props
        }
        for key in ("RedrivePolicy", "RedriveAllowPolicy"):
            if key in props:
                value = props[key]
                attributes[key] = value if isinstance(value, str) else json.dumps(value)
        try:
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        except ClientError as exc:
            if not _conflict(exc, "QueueAlreadyExists", "QueueNameExists"):
                raise
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            mutable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
            if mutable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=mutable)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        info = QueueInfo(self.service, logical_id, name, url, arn, _as_int(props.get("VisibilityTimeout"), 30))
        self.topology.queues[name] = info
        return _Created(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})

    # --- EventBridge ----------------------------------------------------------------

    def _bus(self, logical_id: str, props: dict[str, Any]) -> _Created:
        name = props["Name"]
        arn = ensure_bus(self.clients, name)
        return _Created(ref=name, attributes={"Arn": arn, "Name": name})

    def _archive(self, logical_id: str, props: dict[str, Any]) -> _Created:
        if not CREATE_ARCHIVE:
            # moto copies its whole archive on every PutEvents: measured 25 -> 75 ms per call
            # after 900 events, which would dominate every hop. Replay is a cloud-side tool.
            self.topology.notes.append(f"infra: {logical_id} (bus archive) not created locally: slows moto's PutEvents")
            return _Created(ref=logical_id, attributes={"Arn": f"arn:aws:events:local:archive/{logical_id}"})
        events = self.clients("events")
        name = props.get("ArchiveName") or f"{self.prefix}-{logical_id}"[:48]
        args: dict[str, Any] = {"ArchiveName": name, "EventSourceArn": props["SourceArn"]}
        if "EventPattern" in props:
            args["EventPattern"] = _json(props["EventPattern"])
        if "RetentionDays" in props:
            args["RetentionDays"] = int(props["RetentionDays"])
        if "Description" in props:
            args["Description"] = props["Description"]
        try:
            arn = events.create_archive(**args)["ArchiveArn"]
        except ClientError as exc:
            if not _conflict(exc, "ResourceAlreadyExistsException"):
                raise
            arn = events.describe_archive(ArchiveName=name)["ArchiveArn"]
        return _Created(ref=name, attributes={"Arn": arn, "ArchiveName": name})

    def _rule(self, logical_id: str, props: dict[str, Any]) -> _Created:
        events = self.clients("events")
        name = props.get("Name") or f"{self.prefix}-{logical_id}"[:64]
        bus = str(props.get("EventBusName", "default")).rsplit("event-bus/", 1)[-1]
        args: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
        if "EventPattern" in props:
            args["EventPattern"] = _json(props["EventPattern"])
        if "ScheduleExpression" in props:
            args["ScheduleExpression"] = props["ScheduleExpression"]
            self.topology.notes.append(f"{self.service}: rule {name} has a schedule; the emulator never fires it")
        if "Description" in props:
            args["Description"] = props["Description"]
        arn = events.put_rule(**args)["RuleArn"]
        targets = [{k: t[k] for k in RULE_TARGET_KEYS if k in t} for t in props.get("Targets", [])]
        for target in targets:
            if "InputTransformer" in target and isinstance(target["InputTransformer"].get("InputPathsMap"), dict):
                target["InputTransformer"] = dict(target["InputTransformer"])
            if ":lambda:" in target["Arn"]:
                self.topology.notes.append(f"{self.service}: rule {name} targets a function; not delivered locally")
        if targets:
            result = events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
            if result.get("FailedEntryCount"):
                raise TemplateError(f"rule {name}: targets refused: {result['FailedEntries']}")
        self.topology.rules.append(name)
        return _Created(ref=name, attributes={"Arn": arn})

    # --- Scheduler, SES ---------------------------------------------------------------

    def _schedule_group(self, logical_id: str, props: dict[str, Any]) -> _Created:
        scheduler = self.clients("scheduler")
        name = props.get("Name") or f"{self.prefix}-{logical_id}"[:64]
        try:
            arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
        except ClientError as exc:
            if not _conflict(exc, "ConflictException"):
                raise
            arn = scheduler.get_schedule_group(Name=name)["Arn"]
        return _Created(ref=name, attributes={"Arn": arn})

    def _schedule(self, logical_id: str, props: dict[str, Any]) -> _Created:
        name = props.get("Name") or f"{self.prefix}-{logical_id}"[:64]
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
        arn = put_schedule(self.clients, args)
        self.topology.schedules.append(name)
        return _Created(ref=name, attributes={"Arn": arn})

    def _email_identity(self, logical_id: str, props: dict[str, Any]) -> _Created:
        identity = props["EmailIdentity"]
        ses = self.clients("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        self.topology.identities.append(identity)
        return _Created(ref=identity)

    # --- S3 ----------------------------------------------------------------------------

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> _Created:
        """The bucket and its queue notifications; public-access blocks and lifecycle rules
        have no local effect (the emulator serves loopback only and never expires objects)."""
        s3 = self.clients("s3")
        name = props.get("BucketName") or f"{self.prefix}-{logical_id}".lower()[:63]
        try:
            s3.create_bucket(Bucket=name)
        except ClientError as exc:
            if not _conflict(exc, "BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        notifications = props.get("NotificationConfiguration") or {}
        if notifications.get("QueueConfigurations"):
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "QueueConfigurations": [_queue_notification(q) for q in notifications["QueueConfigurations"]]
                },
            )
        for ignored in ("LifecycleConfiguration", *(k for k in notifications if k != "QueueConfigurations")):
            if ignored in props or ignored in notifications:
                self.topology.notes.append(f"{self.service}: {logical_id}.{ignored} not applied locally")
        arn = f"arn:aws:s3:::{name}"
        return _Created(ref=name, attributes={"Arn": arn, "DomainName": f"{name}.s3.amazonaws.com"})

    # --- Overlays on Chalice functions -------------------------------------------------

    def _overlay(self, logical_id: str, resource: dict[str, Any]) -> _Created:
        """``<Function>.Properties.Events``: the event sources of a Chalice-generated function."""
        if self.service is None:
            raise TemplateError(f"{logical_id}: an overlay outside a service template")
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event_name, event in events.items():
            kind = event.get("Type")
            props = self.resolver.resolve(event.get("Properties") or {})
            if kind == "SQS":
                self._wire_sqs(logical_id, props)
            elif kind == "DynamoDB":
                self._wire_stream(logical_id, props)
            elif kind in ("Schedule", "ScheduleV2"):
                self._wire_schedule(logical_id, event_name, props)
            else:
                self.topology.notes.append(f"{self.service}: {logical_id}.{event_name} ({kind}) not wired locally")
        return _Created(ref=logical_id)

    def _wire_sqs(self, function: str, props: dict[str, Any]) -> None:
        arn = props["Queue"]
        queue = next((q for q in self.topology.queues.values() if q.arn == arn), None)
        url = queue.url if queue else self.clients("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        self.topology.sqs.append(
            SqsWiring(
                service=str(self.service),
                function=function,
                queue_arn=arn,
                queue_url=url,
                batch_size=_as_int(props.get("BatchSize"), 10),
                batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                concurrency=_as_int((props.get("ScalingConfig") or {}).get("MaximumConcurrency"), 1),
            )
        )

    def _wire_stream(self, function: str, props: dict[str, Any]) -> None:
        stream_arn = props["Stream"]
        filters = tuple(
            json.loads(f["Pattern"]) if isinstance(f["Pattern"], str) else f["Pattern"]
            for f in (props.get("FilterCriteria") or {}).get("Filters", [])
        )
        self.topology.streams.append(
            StreamWiring(
                service=str(self.service),
                function=function,
                stream_arn=stream_arn,
                table_name=stream_arn.split(":table/", 1)[1].split("/", 1)[0],
                batch_size=_as_int(props.get("BatchSize"), 100),
                batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                starting_position=props.get("StartingPosition", "LATEST"),
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                filters=filters,
            )
        )

    def _wire_schedule(self, function: str, event_name: str, props: dict[str, Any]) -> None:
        """SAM Schedule/ScheduleV2 events become emulator schedules targeting the function,
        which ``infra.local.scheduler`` fires in-process (a Schedule event is an EventBridge
        rule in AWS; locally both are Scheduler schedules)."""
        name = props.get("Name") or f"{self.prefix}-{function}-{event_name}"[:64]
        target: dict[str, Any] = {
            "Arn": lambda_arn(self.clients.region, self.topology.stage, str(self.service), function),
            "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{self.prefix}-scheduler",
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
        put_schedule(self.clients, args)
        self.topology.schedules.append(name)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def put_schedule(clients: Clients, args: dict[str, Any]) -> str:
    scheduler = clients("scheduler")
    try:
        return str(scheduler.create_schedule(**args)["ScheduleArn"])
    except ClientError as exc:
        if not _conflict(exc, "ConflictException"):
            raise
        return str(scheduler.update_schedule(**args)["ScheduleArn"])


def ensure_bus(clients: Clients, name: str) -> str:
    events = clients("events")
    try:
        return str(events.create_event_bus(Name=name)["EventBusArn"])
    except ClientError as exc:
        if not _conflict(exc, "ResourceAlreadyExistsException"):
            raise
        return str(events.describe_event_bus(Name=name)["Arn"])


def service_templates(root: Path = REPO_ROOT) -> dict[str, Path]:
    return {p.parent.name: p for p in sorted(root.glob("services/*/resources.yaml"))}


def provision_template(clients: Clients, topology: Topology, service: str | None, path: Path) -> None:
    TemplateProvisioner(clients, topology, service, load_template(path)).run()


def provision_all(
    stage: str,
    clients: Clients | None = None,
    root: Path = REPO_ROOT,
    services: list[str] | None = None,
) -> Topology:
    """Create (or find) every resource the bus and service templates declare. Idempotent."""
    clients = clients or Clients()
    topology = Topology(stage=stage, bus_name=f"crm-{stage}")
    bus_template = root / "infra" / "bus.yaml"
    if bus_template.exists():
        provision_template(clients, topology, None, bus_template)
    else:
        ensure_bus(clients, topology.bus_name)
        topology.notes.append(f"infra/bus.yaml not found: created bus {topology.bus_name} directly (no archive)")
    for service, path in service_templates(root).items():
        if services is None or service in services:
            provision_template(clients, topology, service, path)
    return topology
