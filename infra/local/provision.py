"""Provision the emulator from the templates that deploy: ``infra/bus.yaml`` and every
``services/*/resources.yaml``.

A small, idempotent provisioner instead of moto's CloudFormation (which crashes on some
of these resources). It creates what the emulator can hold (tables, queues, the bus,
archive, rules, schedules, SES identities), skips what has no local meaning (IAM,
queue policies), and records the event-source wiring that the overlays declare on the
Chalice functions, so that ``infra.local.pollers`` can play Lambda's part.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.local import provision_events, provision_storage
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
from infra.local.provision_context import Created, TemplateContext, lambda_arn
from infra.local.provision_events import ensure_bus
from infra.local.provision_wiring import overlay
from infra.local.topology import Topology

REPO_ROOT = Path(__file__).resolve().parents[2]

# Local difference: short visibility timeouts so that a poison message is retried and
# reaches its DLQ within seconds instead of minutes (job queues: long enough for one
# job's run on a busy laptop). Applied where a template declares them.
# The send rates are the emulator's, not an SES account's: high enough for `make bench`.
LOCAL_PARAMETER_OVERRIDES = {
    "QueueVisibilityTimeout": "2",
    "JobQueueVisibilityTimeout": "60",
    "SendsVisibilityTimeout": "10",
    "EmailSendRate": "2000",
    "SmsSendRate": "200",
}

# Types with no local meaning: permissions are not enforced by the emulator.
SKIPPED_TYPES = (
    "AWS::IAM::",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::Events::EventBusPolicy",
    "AWS::Lambda::Permission",
)

# Resource type -> its creator (infra.local.provision_storage, infra.local.provision_events).
CREATORS: dict[str, Callable[[TemplateContext, str, dict[str, Any]], Created]] = {
    "AWS::DynamoDB::Table": provision_storage.table,
    "AWS::SQS::Queue": provision_storage.queue,
    "AWS::Events::EventBus": provision_events.bus,
    "AWS::Events::Archive": provision_events.archive,
    "AWS::Events::Rule": provision_events.rule,
    "AWS::Scheduler::Schedule": provision_events.schedule,
    "AWS::Scheduler::ScheduleGroup": provision_events.schedule_group,
    "AWS::SES::EmailIdentity": provision_events.email_identity,
    "AWS::S3::Bucket": provision_storage.bucket,
    "AWS::SNS::Topic": provision_events.topic,
    "AWS::SNS::Subscription": provision_events.subscription,
}


class TemplateProvisioner:
    """Creates one template's resources on demand, resolving references as it goes: each
    kind by its creator in ``CREATORS``, overlays by ``infra.local.provision_wiring``."""

    def __init__(self, clients: Clients, topology: Topology, service: str | None, template: dict[str, Any]) -> None:
        self.clients = clients
        self.topology = topology
        self.service = service
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.created: dict[str, Created] = {}
        self._in_progress: set[str] = set()
        overrides = {"Stage": topology.stage, **LOCAL_PARAMETER_OVERRIDES}
        if os.environ.get("CRM_PUBLIC_URL"):
            # The stack's own gateway, for the links in emails (a template's PublicUrl).
            overrides["PublicUrl"] = os.environ["CRM_PUBLIC_URL"]
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

    def ensure(self, logical_id: str) -> Created:
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

    def _create(self, logical_id: str, resource: dict[str, Any]) -> Created:
        resource_type = resource.get("Type")
        if resource_type is None:
            return overlay(self, logical_id, resource)
        if any(resource_type.startswith(prefix) for prefix in SKIPPED_TYPES):
            return Created(ref=logical_id)
        creator = CREATORS.get(resource_type)
        if creator is None:
            self.topology.notes.append(
                f"{self.service or 'infra'}: {logical_id} ({resource_type}) not emulated locally"
            )
            return Created(ref=logical_id)
        properties = self.resolver.resolve(resource.get("Properties") or {})
        return creator(self, logical_id, properties)


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
