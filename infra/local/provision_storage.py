"""Creators for a template's storage resources on the emulator: DynamoDB tables, SQS
queues and S3 buckets (with their queue notifications)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from infra.local.provision_context import Created, TemplateContext, as_int, conflict
from infra.local.topology import QueueInfo, TableInfo

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


# --- DynamoDB -------------------------------------------------------------------------


def table(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    ddb = ctx.clients("dynamodb")
    name = props.get("TableName") or f"{ctx.prefix}-{logical_id}"
    stream = props.get("StreamSpecification")
    stream_spec = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]} if stream else None
    try:
        description = ddb.describe_table(TableName=name)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        description = ddb.create_table(**table_args(name, props, stream_spec))["TableDescription"]
    else:
        if stream_spec and not description.get("LatestStreamArn"):
            description = ddb.update_table(TableName=name, StreamSpecification=stream_spec)["TableDescription"]
        description = _add_missing_indexes(ddb, description, props)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    stream_arn = description.get("LatestStreamArn") if stream_spec else None
    info = TableInfo(ctx.service, logical_id, name, description["TableArn"], stream_arn)
    ctx.topology.tables[name] = info
    return Created(ref=name, attributes={"Arn": info.arn, "StreamArn": stream_arn})


def _add_missing_indexes(ddb: Any, description: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """A table kept from an earlier run (``.local/state``) gets the global indexes its
    template has since declared, as CloudFormation would add them on update."""
    have = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes", [])}
    for index in props.get("GlobalSecondaryIndexes") or []:
        if index["IndexName"] in have:
            continue
        create = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
        description = ddb.update_table(
            TableName=description["TableName"],
            AttributeDefinitions=props["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": create}],
        )["TableDescription"]
    return description


def table_args(name: str, props: dict[str, Any], stream_spec: dict[str, Any] | None) -> dict[str, Any]:
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


# --- SQS ------------------------------------------------------------------------------


def queue(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    sqs = ctx.clients("sqs")
    fifo = str(props.get("FifoQueue", "")).lower() == "true"
    name = props.get("QueueName") or f"{ctx.prefix}-{logical_id}" + (".fifo" if fifo else "")
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
        if not conflict(exc, "QueueAlreadyExists", "QueueNameExists"):
            raise
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        mutable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
        if mutable:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=mutable)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    info = QueueInfo(ctx.service, logical_id, name, url, arn, as_int(props.get("VisibilityTimeout"), 30))
    ctx.topology.queues[name] = info
    return Created(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})


# --- S3 -------------------------------------------------------------------------------


def queue_notification(config: dict[str, Any]) -> dict[str, Any]:
    """A template's QueueConfiguration as the S3 API takes it (other names, same meaning)."""
    rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules", [])
    notification: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    if rules:
        notification["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
    return notification


def bucket(ctx: TemplateContext, logical_id: str, props: dict[str, Any]) -> Created:
    """The bucket and its queue notifications; public-access blocks and lifecycle rules
    have no local effect (the emulator serves loopback only and never expires objects)."""
    s3 = ctx.clients("s3")
    name = props.get("BucketName") or f"{ctx.prefix}-{logical_id}".lower()[:63]
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as exc:
        if not conflict(exc, "BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    notifications = props.get("NotificationConfiguration") or {}
    if notifications.get("QueueConfigurations"):
        s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration={
                "QueueConfigurations": [queue_notification(q) for q in notifications["QueueConfigurations"]]
            },
        )
    for ignored in ("LifecycleConfiguration", *(k for k in notifications if k != "QueueConfigurations")):
        if ignored in props or ignored in notifications:
            ctx.topology.notes.append(f"{ctx.service}: {logical_id}.{ignored} not applied locally")
    arn = f"arn:aws:s3:::{name}"
    return Created(ref=name, attributes={"Arn": arn, "DomainName": f"{name}.s3.amazonaws.com"})
