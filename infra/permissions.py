"""What cfn-lint cannot see: whether each function's role allows what its wiring needs.

A consumer whose role cannot read its queue, or a relay that cannot publish, deploys
fine and then fails on every invocation. Chalice's DefaultRole only grants logs, so each
service's resources.yaml replaces its policy list; this checks the merged template.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

BUS_ARN = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/crm-${Stage}"}
SQS_SOURCE = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
STREAM_SOURCE = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams")
# Powertools' idempotency layer and the outbox relay, in the service's own table.
TABLE_ITEMS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
LOGS = ("logs:CreateLogStream", "logs:PutLogEvents")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allows(statements: list[dict[str, Any]], action: str, resource: Any) -> bool:
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if not any(fnmatchcase(action.lower(), str(a).lower()) for a in _listed(statement.get("Action", []))):
            continue
        if any(_covers(granted, resource) for granted in _listed(statement.get("Resource", []))):
            return True
    return False


def _covers(granted: Any, needed: Any) -> bool:
    if granted in ("*", needed) or needed is None:
        return True
    # A stream ARN is granted as "${Table.Arn}/stream/*" (AWS's documented scoping).
    if isinstance(needed, dict) and needed.get("Fn::GetAtt", [None, None])[1] == "StreamArn":
        return granted == {"Fn::Sub": "${" + needed["Fn::GetAtt"][0] + ".Arn}/stream/*"}
    return False


def _statements(resources: dict[str, Any], role: Any) -> list[dict[str, Any]]:
    name = role.get("Fn::GetAtt", [""])[0] if isinstance(role, dict) else ""
    policies = (resources.get(str(name)) or {}).get("Properties", {}).get("Policies", [])
    return [s for p in policies for s in _listed(p.get("PolicyDocument", {}).get("Statement", []))]


def missing(template: dict[str, Any]) -> list[str]:
    """One line per permission a function needs and its role does not grant."""
    resources: dict[str, Any] = template.get("Resources") or {}
    gaps: list[str] = []
    for name, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        statements = _statements(resources, properties.get("Role"))
        needs: list[tuple[str, Any]] = [(a, None) for a in LOGS]
        if "Table" in resources:
            needs += [(a, {"Fn::GetAtt": ["Table", "Arn"]}) for a in TABLE_ITEMS]
        for source in (properties.get("Events") or {}).values():
            if source.get("Type") == "SQS":
                needs += [(a, source["Properties"]["Queue"]) for a in SQS_SOURCE]
            elif source.get("Type") == "DynamoDB":
                needs += [(a, source["Properties"]["Stream"]) for a in STREAM_SOURCE]
                needs.append(("events:PutEvents", BUS_ARN))  # the stream feeds the outbox relay
        gaps += [
            f"{name}: {action} on {target or 'any resource'}"
            for action, target in needs
            if not _allows(statements, action, target)
        ]
    return gaps
