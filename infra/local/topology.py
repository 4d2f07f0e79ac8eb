"""What provisioning the templates leaves behind: the tables, queues, rules, schedules and
identities created on the emulator, the event-source wiring that ``infra.local.pollers``
plays Lambda's part for, and each function's resolved environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
