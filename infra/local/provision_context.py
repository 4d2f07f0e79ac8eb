"""What every resource creator of ``infra.local.provision`` works with: the template being
provisioned (``TemplateContext``), what a creator returns (``Created``) and the small
helpers they share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError

from infra.local.aws import ACCOUNT_ID, Clients
from infra.local.cfn import Resolver
from infra.local.topology import Topology


@dataclass
class Created:
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


class TemplateContext(Protocol):
    """One template's provisioning as the creators see it (``TemplateProvisioner``)."""

    clients: Clients
    topology: Topology
    service: str | None
    resolver: Resolver

    @property
    def prefix(self) -> str: ...


def lambda_arn(region: str, stage: str, service: str, logical_id: str) -> str:
    """The ARN the local stack gives a Chalice function referenced from a template.

    ``infra.local.functions`` registers each function under this name too, so that a
    schedule or rule targeting it is delivered in-process.
    """
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:crm-{stage}-{service}-{logical_id}"


def conflict(exc: ClientError, *codes: str) -> bool:
    return exc.response.get("Error", {}).get("Code") in codes


def as_int(value: Any, default: int) -> int:
    return int(value) if value is not None else default


def as_json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
