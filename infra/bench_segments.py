"""What one contact change costs segment maintenance, with 1,000 vs 100,000 contacts stored.

In-process moto (``mock_aws``): N contacts' PROFILE + METRICS items are loaded with batch
writes, 10 segment definitions are created (plus the 12 built-ins), then the segments
handler for one ContactUpdated is timed (median of ``samples``), each sample flipping the
contact's tags so that it really enters or exits a segment (one transaction + events).

The cost must not grow with N: membership reads one contact by key and queries the few
definitions, it never scans. Time alone cannot prove that (moto's own work grows with the
table), so the DynamoDB requests the change makes are also counted, from botocore's event
hooks on the service's client: calls by operation, items read (GetItem/BatchGetItem items
returned, Query/Scan ScannedCount: what DynamoDB reads and bills) and items written.
Those counts must be identical at every size. Run:
``python -m infra.bench_segments [--samples 50]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE = "crm-dev-contacts"
SIZES = (1_000, 100_000)
HEADER = (
    "contacts stored",
    "median ms / change",
    "p90 ms",
    "vs 1,000",
    "DynamoDB calls / change",
    "items read / change",
    "items written / change",
    "calls by operation",
)
RULES: list[dict[str, Any]] = [
    {"field": "tags", "op": "contains", "value": "vip"},
    {"field": "country", "op": "eq", "value": "FR"},
    {
        "all": [
            {"field": "country", "op": "in", "value": ["DE", "AT"]},
            {"field": "total_spend", "op": "gte", "value": 500},
        ]
    },
    {"field": "lifecycle_stage", "op": "eq", "value": "customer"},
    {"field": "order_count", "op": "gte", "value": 3},
    {"field": "last_purchase_at", "op": "within_days", "value": 30},
    {"any": [{"field": "city", "op": "eq", "value": "paris"}, {"field": "city", "op": "eq", "value": "lyon"}]},
    {"field": "source", "op": "eq", "value": "web"},
    {"field": "language", "op": "eq", "value": "fr"},
    {"not": {"field": "tags", "op": "contains", "value": "churned"}},
]


def _load(ddb: Any, start: int, stop: int) -> None:
    """Contacts start..stop-1: a PROFILE and a METRICS item each, 25 items per batch."""
    import json

    requests: list[dict[str, Any]] = []
    for n in range(start, stop):
        pk = {"S": f"CONTACT#bench-{n}"}
        address = json.dumps({"country": ("FR", "DE", "US")[n % 3], "city": ("paris", "berlin", "boston")[n % 3]})
        profile = {
            "pk": pk,
            "sk": {"S": "PROFILE"},
            "email": {"S": f"bench-{n}@example.com"},
            "lifecycle_stage": {"S": "customer" if n % 2 else "lead"},
            "address": {"S": address},
            "tags": {"L": [{"S": "vip"}] if n % 5 == 0 else []},
        }
        metrics = {"pk": pk, "sk": {"S": "METRICS"}, "total_spend": {"N": str(n % 1000)}, "order_count": {"N": "2"}}
        requests += [{"PutRequest": {"Item": profile}}, {"PutRequest": {"Item": metrics}}]
    for at in range(0, len(requests), 25):
        pending: dict[str, Any] = {TABLE: requests[at : at + 25]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


@dataclass(frozen=True)
class Cost:
    """The DynamoDB requests of one change."""

    calls: Counter[str] = field(default_factory=Counter)  # operation -> calls
    items_read: int = 0
    items_written: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def by_operation(self) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(self.calls.items()))


class Meter:
    """Counts the requests made through one botocore client, from its event hooks: calls
    and items written from the parameters, items read from the parsed responses."""

    def __init__(self, ddb: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.read = 0
        self.written = 0
        ddb.meta.events.register("before-parameter-build.dynamodb", self._before)
        ddb.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name == "TransactWriteItems":
            self.written += len(params["TransactItems"])
        elif model.name == "BatchWriteItem":
            self.written += sum(len(requests) for requests in params["RequestItems"].values())
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.written += 1

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "GetItem":
            self.read += "Item" in parsed
        elif model.name == "BatchGetItem":
            self.read += sum(len(items) for items in parsed.get("Responses", {}).values())
        elif model.name in ("Query", "Scan"):
            self.read += int(parsed.get("ScannedCount", 0))
        elif model.name == "TransactGetItems":
            self.read += len(parsed.get("Responses", []))

    def take(self) -> Cost:
        """What was counted since the last take."""
        cost = Cost(Counter(self.calls), self.read, self.written)
        self.calls, self.read, self.written = Counter(), 0, 0
        return cost


@dataclass(frozen=True)
class Measure:
    size: int
    times: list[float]  # ms per change
    costs: list[Cost]  # one per change

    @property
    def cost(self) -> Cost:
        """The cost every change had (they must agree: one contact, one segment move)."""
        first = self.costs[0]
        if any(c != first for c in self.costs):
            raise AssertionError(f"changes cost differently at {self.size:,} contacts: {self.costs}")
        return first


def _time_changes(ddb: Any, samples: int, meter: Meter) -> tuple[list[float], list[Cost]]:
    from contacts.bootstrap import segment_store
    from contacts.events import ContactUpdated
    from contacts.segments.usecases import reevaluate
    from shared.events import EventMetadata, new_event

    store = segment_store()
    # A warm function: definitions were read within DEFS_TTL_SECONDS (re-read every 30 s,
    # one query of the SEGMENTDEFS partition; loading the contacts took longer than that).
    store.forget_definitions()
    store.definitions()
    contact = "bench-7"
    # Its first evaluation (a new contact entering its segments at once) is not the steady
    # state measured here: one change, one segment entered or left.
    reevaluate(contact, store)
    times, costs = [], []
    for i in range(samples):
        tags = {"L": [{"S": "vip"}]} if i % 2 == 0 else {"L": []}
        ddb.update_item(
            TableName=TABLE,
            Key={"pk": {"S": f"CONTACT#{contact}"}, "sk": {"S": "PROFILE"}},
            UpdateExpression="SET tags = :t",
            ExpressionAttributeValues={":t": tags},
        )
        event = new_event(ContactUpdated(contact_id=contact, changed=["tags"], lifecycle_stage="customer"))
        cause = EventMetadata.model_validate(event.detail["metadata"])
        # Like timeit: no garbage collection inside the timed call. moto holds every item as
        # Python objects, so a full collection's cost grows with the table (an in-process
        # artefact; DynamoDB's are on its side of the wire).
        gc.collect()
        # A warm function re-reads the definitions every DEFS_TTL_SECONDS whatever the table
        # holds (one query of SEGMENTDEFS): refreshed here, outside the measured change, so
        # that a slow sample does not count it.
        store.definitions()
        gc.disable()
        meter.take()
        try:
            start = time.perf_counter()
            written = reevaluate(contact, store, cause)
            times.append((time.perf_counter() - start) * 1000)
        finally:
            gc.enable()
        costs.append(meter.take())
        assert written, "every sample must change a membership"
    return times, costs


def measure(samples: int = 50, sizes: Sequence[int] = SIZES, *, fast_moto: bool = True) -> list[Measure]:
    """Time and count one change's segment maintenance at each table size (ascending).
    ``fast_moto`` swaps in the local stack's item-level transaction rollback (moto's own
    deep-copies every table on each transaction: its artefact, not DynamoDB's)."""
    from moto import mock_aws

    from infra.testing import create_table, function_environment
    from shared.aws import client
    from shared.settings import function_environment as environment
    from shared.testing import use_in_process_aws

    use_in_process_aws()
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    if fast_moto:
        from infra.local.moto_server import patch

        patch()
    found: list[Measure] = []
    # What contacts' functions get from their template (CRM_TABLE...), for this run only.
    with environment(function_environment(ROOT / "services" / "contacts")), mock_aws():
        import boto3

        from contacts.bootstrap import segment_store
        from contacts.segments.usecases import SegmentIn, create_segment

        create_table(ROOT / "services" / "contacts")
        ddb = boto3.client("dynamodb", region_name="us-east-1")  # loading and flipping: not counted
        meter = Meter(client("dynamodb"))  # the client the segments repository uses
        store = segment_store()
        store.forget_definitions()
        for i, rules in enumerate(RULES):
            create_segment(SegmentIn(name=f"bench {i}", rules=rules), store)
        loaded = 0
        for size in sizes:
            _load(ddb, loaded, size)
            loaded = size
            times, costs = _time_changes(ddb, samples, meter)
            found.append(Measure(size, times, costs))
        store.forget_definitions()
    return found


def rows(measures: Sequence[Measure]) -> list[tuple[str, ...]]:
    """Table rows under HEADER."""
    out: list[tuple[str, ...]] = []
    base = statistics.median(measures[0].times)
    for m in measures:
        median = statistics.median(m.times)
        p90 = sorted(m.times)[int(0.9 * (len(m.times) - 1))]
        cost = m.cost
        out.append(
            (
                f"{m.size:,}",
                f"{median:.2f}",
                f"{p90:.2f}",
                f"{median / base:.2f}x",
                str(cost.total_calls),
                str(cost.items_read),
                str(cost.items_written),
                cost.by_operation(),
            )
        )
    return out


def run(samples: int = 50, sizes: Sequence[int] = SIZES) -> list[tuple[str, ...]]:
    """Rows (see HEADER) for ``make bench``."""
    return rows(measure(samples, sizes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args(argv)
    table = run(args.samples)
    widths = [max(len(r[i]) for r in [HEADER, *table]) for i in range(len(HEADER))]
    for row in [HEADER, *table]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
