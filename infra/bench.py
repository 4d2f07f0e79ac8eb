"""`make bench`: what speed the CRM has, as ratios measured in one run, printed as tables.

1. Cold init per function vs a bare boto3 handler (see infra/bench_cold.py).
2. The lead flow through a fresh local stack: POST /contacts -> owner assigned, welcome
   email sent, sign-up points accrued, beside the emulator's own single hop
   (put_events -> rule -> SQS -> receive) measured against the same emulator; on moto and
   on LocalStack (host mode), side by side.
3. Lead assignment with 50 reps and 10 rules: leads/s end to end, and the DynamoDB calls
   and items one assignment costs (see infra/bench_assignment.py).
4. The loyalty ledger: one accrual, redemption and expiry in DynamoDB requests, and eight
   threads spending on one member (see infra/bench_ledger.py).
5. Campaign delivery: the bulk mailer's sustained send rate through the emulator's SES, and
   how closely the shared token bucket holds its rate with 4 takers (see infra/bench_delivery.py).
6. A campaign end to end: POST send until sent for 20,000 recipients, and one chunk's cost
   in emulator calls and items (see infra/bench_campaign.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra import bench_assignment, bench_campaign, bench_delivery, bench_imports, bench_ledger, bench_segments
from infra.bench_cold import run as cold_run
from infra.local.launch import LocalStack, running_stack

EFFECTS = {"LeadAssigned": "owner assigned", "EmailSent": "email sent", "PointsAccrued": "points accrued"}


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, header)), *([str(c) for c in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "| " + " | ".join("-" * w for w in widths) + " |"
    out = [f"\n{title}\n", "| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells[1:]]
    return "\n".join(out)


def single_hop(stack: LocalStack, samples: int) -> list[float]:
    """The emulator alone: put_events on the bus until the message is received from SQS."""
    sqs, events = stack.client("sqs"), stack.client("events")
    url = stack.tap({"source": ["bench.hop"]})
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        entry = {"Source": "bench.hop", "DetailType": "Ping", "Detail": "{}", "EventBusName": f"crm-{stack.stage}"}
        events.put_events(Entries=[entry])
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=5).get("Messages", [])
            if got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
                break
        times.append((time.perf_counter() - start) * 1000)
    return times


def lead_flow(stack: LocalStack, leads: int) -> dict[str, list[float]]:
    """One lead at a time: time from the POST until each side effect's event is on the bus."""
    sqs = stack.client("sqs")
    url = stack.tap({"detail-type": list(EFFECTS)})
    manager = {"Authorization": f"Bearer {stack.token('manager')}"}
    sales = {"Authorization": f"Bearer {stack.token('sales')}"}
    rep = {"name": "Bench Rep", "email": "bench.rep@example.com", "capacity": 10_000}
    stack.session.post(f"{stack.url}/pipeline/reps", json=rep, headers=manager, timeout=10).raise_for_status()
    time.sleep(1)  # let RepAdded settle so it does not share the first lead's queue
    results: dict[str, list[float]] = {name: [] for name in [*EFFECTS.values(), "all three", "POST"]}
    for n in range(leads):
        body = {"email": f"bench-{n}-{uuid.uuid4().hex[:6]}@example.com", "first_name": "B", "last_name": "N"}
        start = time.perf_counter()
        response = stack.session.post(f"{stack.url}/contacts", json=body, headers=sales, timeout=10)
        results["POST"].append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        contact_id = response.json()["id"]
        seen: dict[str, float] = {}
        deadline = start + 30
        while len(seen) < len(EFFECTS) and time.perf_counter() < deadline:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            now = (time.perf_counter() - start) * 1000
            for message in batch:
                event = json.loads(message["Body"])
                if event["detail"]["data"].get("contact_id") == contact_id:
                    seen.setdefault(event["detail-type"], now)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(seen) < len(EFFECTS):
            raise RuntimeError(f"lead {contact_id}: only {sorted(seen)} within 30 s")
        for detail_type, label in EFFECTS.items():
            results[label].append(seen[detail_type])
        results["all three"].append(max(seen.values()))
    return results


def flow_rows(emulator: str, hops: list[float], flow: dict[str, list[float]]) -> list[tuple[Any, ...]]:
    hop50, hop99 = pct(hops, 50), pct(hops, 99)
    rows: list[tuple[Any, ...]] = [
        (emulator, "emulator single hop (put_events -> SQS)", len(hops), f"{hop50:.0f}", f"{hop99:.0f}", "1.0", "1.0")
    ]
    for label, values in flow.items():
        p50, p99 = pct(values, 50), pct(values, 99)
        ratios = (f"{p50 / hop50:.1f}", f"{p99 / hop99:.1f}")
        rows.append((emulator, label, len(values), f"{p50:.0f}", f"{p99:.0f}", *ratios))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cold-samples", type=int, default=11)
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--hops", type=int, default=100)
    # 100,000 rows take ~13 minutes on the local stack (about 130 rows/s, ~200 for the
    # first few thousand: moto spends ~0.15 ms of CPU per item written in-process, more
    # through HTTP, and a contact is 13 items); --import-rows 5000 gives the rate in 30 s.
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--segment-samples", type=int, default=50)
    parser.add_argument("--assignment-leads", type=int, default=500)
    parser.add_argument("--send-recipients", type=int, default=20_000)
    # Each of the limiter's two runs lasts this long (the acceptance's "over a minute").
    parser.add_argument("--limiter-seconds", type=float, default=60.0)
    args = parser.parse_args()

    bare, rows = cold_run(args.cold_samples)
    cold_rows = [(bare.name, f"{bare.median_ms:.0f}", "1.00", f"{bare.cpu_ms:.0f}", "1.00", f"{bare.rss_mb:.0f}")]
    cold_rows += [
        (
            r.name,
            f"{r.median_ms:.0f}",
            f"{r.median_ms / bare.median_ms:.2f}",
            f"{r.cpu_ms:.0f}",
            f"{r.cpu_ms / bare.cpu_ms:.2f}",
            f"{r.rss_mb:.0f}",
        )
        for r in rows
    ]
    print(
        table(
            f"Cold init (fresh process, median of {args.cold_samples}; ratio to the bare handler)",
            ["function", "init ms", "ratio", "init CPU ms", "CPU ratio", "peak MB"],
            cold_rows,
        )
    )

    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
        hops = single_hop(stack, args.hops)
        flow = lead_flow(stack, args.leads)
        imports = bench_imports.run(stack, (args.import_rows,))
        assigned = bench_assignment.throughput(stack, args.assignment_leads)
        delivery = bench_delivery.run(stack, recipients=args.send_recipients, seconds=args.limiter_seconds)
        campaign = bench_campaign.run(stack, recipients=args.send_recipients)
    # The same two measures on LocalStack (host mode), in this run: the emulators side by side.
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir), emulator="localstack") as stack:
        localstack_hops = single_hop(stack, args.hops)
        localstack_flow = lead_flow(stack, args.leads)
    print(
        table(
            "Lead flow through the local stack (ms from the POST; ratio to that emulator's single hop)",
            ["emulator", "measure", "n", "p50 ms", "p99 ms", "p50 ratio", "p99 ratio"],
            flow_rows("moto", hops, flow) + flow_rows("LocalStack", localstack_hops, localstack_flow),
        )
    )
    print(
        f"\nmedian of the single hop: moto {statistics.median(hops):.1f} ms, LocalStack "
        f"{statistics.median(localstack_hops):.1f} ms"
    )
    print(
        table("CSV import through the local stack (target: >= 1,000 rows/s)", ["import", "seconds", "rows/s"], imports)
    )
    assignment_rows = bench_assignment.cost_rows(bench_assignment.cost())
    rate, seconds = assigned
    assignment_rows.insert(0, (f"leads/s end to end ({args.assignment_leads} leads)", f"{rate:.0f} ({seconds:.1f} s)"))
    print(table("Lead assignment: 50 reps in 10 teams, 10 rules", bench_assignment.COST_HEADER, assignment_rows))
    segments = bench_segments.run(args.segment_samples)
    print(
        table(
            "Segment maintenance: one contact change, by contacts stored (must not grow)",
            bench_segments.HEADER,
            segments,
        )
    )
    print(
        table("Loyalty ledger: one posting's DynamoDB cost (in-process moto)", bench_ledger.HEADER, bench_ledger.cost())
    )
    print(
        table(
            "Loyalty ledger: 8 concurrent writers",
            bench_ledger.CONTENTION_HEADER,
            bench_ledger.contention() + bench_ledger.spread(),
        )
    )
    print(delivery)
    print(campaign)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
