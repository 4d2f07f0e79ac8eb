"""What one contact change costs segment maintenance, with 1,000 vs 100,000 contacts stored.

In-process moto (``mock_aws``): N contacts' PROFILE + METRICS items are loaded with batch
writes, 10 segment definitions are created (plus the 12 built-ins), then the segments
handler for one ContactUpdated is timed (median of ``samples``), each sample flipping the
contact's tags so that it really enters or exits a segment (one transaction + events).
The cost must not grow with N: membership reads one contact by key and queries the few
definitions, it never scans. Run: ``python -m infra.bench_segments [--samples 50]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE = "crm-dev-contacts"
SIZES = (1_000, 100_000)
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


def _time_changes(ddb: Any, samples: int) -> list[float]:
    from contacts.events import ContactUpdated
    from contacts.segments import reevaluate
    from contacts.segments_handlers import segment_store
    from shared.events import EventMetadata, new_event

    store = segment_store()
    # A warm function: definitions were read within DEFS_TTL_SECONDS (re-read every 30 s,
    # one query of the SEGMENTDEFS partition; loading the contacts took longer than that).
    store.forget_definitions()
    store.definitions()
    contact = "bench-7"
    times = []
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
        gc.disable()
        try:
            start = time.perf_counter()
            written = reevaluate(contact, store, cause)
            times.append((time.perf_counter() - start) * 1000)
        finally:
            gc.enable()
        assert written, "every sample must change a membership"
    return times


def run(samples: int = 50, sizes: Sequence[int] = SIZES) -> list[tuple[str, ...]]:
    """Rows (contacts stored, median ms per change, p90 ms, ratio to the first size)."""
    from moto import mock_aws

    from shared.testing import create_table, use_in_process_aws

    use_in_process_aws()
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    # moto's own transact_write_items deep-copies every table to roll back (O(table) per
    # call: its artefact, not DynamoDB's); use the local stack's item-level rollback.
    from infra.local.moto_server import patch

    patch()
    rows: list[tuple[str, ...]] = []
    with mock_aws():
        import boto3

        from contacts.segments import SegmentIn, create_segment
        from contacts.segments_handlers import segment_store

        create_table(ROOT / "services" / "contacts")
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        store = segment_store()
        store.forget_definitions()
        for i, rules in enumerate(RULES):
            create_segment(SegmentIn(name=f"bench {i}", rules=rules), store)
        loaded, base = 0, None
        for size in sizes:
            _load(ddb, loaded, size)
            loaded = size
            times = _time_changes(ddb, samples)
            median = statistics.median(times)
            p90 = sorted(times)[int(0.9 * (len(times) - 1))]
            base = base or median
            rows.append((f"{size:,}", f"{median:.2f}", f"{p90:.2f}", f"{median / base:.2f}x"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args(argv)
    rows = run(args.samples)
    header = ("contacts stored", "median ms / change", "p90 ms", "vs 1,000")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
