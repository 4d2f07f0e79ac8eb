"""In-process test fixtures built from a service's template (never imported by production
code): its table and buckets created in the active ``mock_aws`` exactly as resources.yaml
declares them, and the environment its functions get, resolved to those names.

Here rather than in ``shared.testing``: reading CloudFormation is infra's business, and
``shared`` imports nothing from ``infra`` (infra/tests/test_layering.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.local.cfn import (
    ACCOUNT_ID,
    Resolver,
    TemplateError,
    environment_variables,
    load_template,
    parameter_values,
    resolved_environment,
)

REGION = "us-east-1"


def template(service_dir: Path) -> dict[str, Any]:
    """A service's ``resources.yaml`` read exactly as the local stack provisions it."""
    return load_template(service_dir / "resources.yaml")


def _resolver(loaded: dict[str, Any], stage: str) -> Resolver:
    """Resolves references to the names the template gives its table, buckets and queues
    (and the URLs moto's in-process mock gives a queue of that name)."""
    resources: dict[str, Any] = loaded.get("Resources") or {}
    resolver: Resolver

    def name(logical_id: str, prop: str) -> str:
        declared = (resources[logical_id].get("Properties") or {}).get(prop)
        if declared is None:
            raise TemplateError(f"{logical_id} has no {prop}: tests need a declared name")
        return str(resolver.resolve(declared))

    def lookup(logical_id: str, attribute: str | None) -> Any:
        kind = (resources.get(logical_id) or {}).get("Type")
        if kind == "AWS::DynamoDB::Table":
            table = name(logical_id, "TableName")
            arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table}"
            return {None: table, "Arn": arn, "StreamArn": f"{arn}/stream/local"}[attribute]
        if kind == "AWS::S3::Bucket":
            bucket = name(logical_id, "BucketName")
            return {None: bucket, "Arn": f"arn:aws:s3:::{bucket}"}[attribute]
        if kind == "AWS::SQS::Queue":
            queue = name(logical_id, "QueueName")
            url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{queue}"
            return {None: url, "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}", "QueueName": queue}[attribute]
        if kind == "AWS::Scheduler::ScheduleGroup":
            group = name(logical_id, "Name")
            return {None: group, "Arn": f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule-group/{group}"}[attribute]
        if kind == "AWS::IAM::Role" and attribute == "Arn":
            return f"arn:aws:iam::{ACCOUNT_ID}:role/{logical_id}"
        raise TemplateError(f"in-process tests cannot resolve {logical_id}.{attribute or 'Ref'} ({kind})")

    resolver = Resolver(parameter_values(loaded, {"Stage": stage}), REGION, lookup)
    return resolver


def function_environment(service_dir: Path, stage: str = "dev", function: str | None = None) -> dict[str, str]:
    """The environment the template gives a function of the service (its Globals, and the
    function's own variables when ``function``, a logical id, is given)."""
    loaded = template(service_dir)
    return resolved_environment(_resolver(loaded, stage), environment_variables(loaded, function))


def create_table(service_dir: Path, stage: str = "dev") -> str:
    """Create the service's table in the active ``mock_aws`` exactly as its template declares it."""
    import boto3

    loaded = template(service_dir)
    props = _resolver(loaded, stage).resolve(loaded["Resources"]["Table"]["Properties"])
    kwargs: dict[str, Any] = {
        "TableName": props["TableName"],
        "BillingMode": props["BillingMode"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "StreamSpecification": {"StreamEnabled": True, **props["StreamSpecification"]},
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    boto3.client("dynamodb", region_name=REGION).create_table(**kwargs)
    return str(props["TableName"])


def create_schedule_groups(service_dir: Path, stage: str = "dev") -> list[str]:
    """Create the service's schedule groups in the active ``mock_aws``."""
    import boto3

    loaded = template(service_dir)
    resolver = _resolver(loaded, stage)
    scheduler = boto3.client("scheduler", region_name=REGION)
    names = []
    for resource in loaded["Resources"].values():
        if resource.get("Type") == "AWS::Scheduler::ScheduleGroup":
            names.append(str(resolver.resolve(resource["Properties"]["Name"])))
            scheduler.create_schedule_group(Name=names[-1])
    return names


def create_buckets(service_dir: Path, stage: str = "dev") -> list[str]:
    """Create the service's S3 buckets in the active ``mock_aws``."""
    import boto3

    loaded = template(service_dir)
    resolver = _resolver(loaded, stage)
    s3 = boto3.client("s3", region_name=REGION)
    names = []
    for resource in loaded["Resources"].values():
        if resource.get("Type") == "AWS::S3::Bucket":
            names.append(str(resolver.resolve(resource["Properties"]["BucketName"])))
            s3.create_bucket(Bucket=names[-1])
    return names
