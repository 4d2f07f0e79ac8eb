"""Lead assignment: throughput end to end through a running local stack, and what one
assignment costs in DynamoDB requests, with 50 reps in 10 teams and 10 rules.

Throughput: LeadCreated events for leads of the 10 rules' countries are put on the bus
(10 a call, from 4 threads) and the clock stops when every LeadAssigned is on the bus:
leads/s through bus -> SQS -> pipeline's consumer -> transaction -> outbox -> bus. The
whole CRM reacts meanwhile (loyalty, campaigns, contacts and service desk handle each
LeadCreated and LeadAssigned: about 15 function invocations a lead, all in the local
stack's one Python process beside the emulator), so on a 2-core machine this rate is
the stack's, not assignment's: the in-process time of one assignment is measured too.

Cost: in-process moto, one LeadCreated handled at a time, counting the calls, items read
and items written on pipeline's DynamoDB client (infra.bench_segments.Meter). That is
what AWS bills per lead, and what holds when the emulator is not the limit. Run:
``python -m infra.bench_assignment [--leads 500]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.bench_segments import Cost, Meter

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ("DE", "FR", "JP", "BR", "IN", "US", "GB", "ES", "IT", "MX")  # one rule and one team each
REPS_PER_TEAM = 5
COST_HEADER = ("measure", "value")


def setup(post: Any) -> None:
    """10 teams of 5 reps (territory: the team's country) and 10 rules, one per country,
    alternating round robin and least loaded. ``post(path, body)`` creates one record."""
    for n, country in enumerate(COUNTRIES):
        team_id = f"bench-{country.lower()}"
        post("/teams", {"id": team_id, "name": team_id})
        for r in range(REPS_PER_TEAM):
            rep = {"id": f"{team_id}-{r}", "name": f"Rep {r}", "email": f"{team_id}-{r}@example.com"}
            post("/reps", {**rep, "team_id": team_id, "territories": [country], "capacity": 10_000})
        strategy = "least_loaded" if n % 2 else "round_robin"
        rule = {"name": country, "position": n, "strategy": strategy, "team_id": team_id}
        post("/assignment-rules", {**rule, "when": {"countries": [country]}, "first_contact_hours": 24})


def _lead(n: int) -> tuple[str, dict[str, Any]]:
    from shared.events import new_event
    from shared.sample_events import LeadCreated

    contact_id = str(uuid.uuid4())
    event = LeadCreated(
        contact_id=contact_id,
        email=f"{contact_id}@example.com",
        first_name="B",
        last_name="N",
        country=COUNTRIES[n % 10],
    )
    return contact_id, new_event(event).detail


def throughput(stack: Any, leads: int) -> tuple[float, float]:
    """(leads/s, seconds) for ``leads`` LeadCreated put on the running stack's bus at once."""
    token = {"Authorization": f"Bearer {stack.token('admin')}"}

    def post(path: str, body: dict[str, Any]) -> None:
        stack.session.post(f"{stack.url}/pipeline{path}", json=body, headers=token, timeout=10).raise_for_status()

    setup(post)
    time.sleep(2)  # RepAdded and friends settle before the clock starts
    sqs, events = stack.client("sqs"), stack.client("events")
    url = stack.tap({"source": ["crm.pipeline"], "detail-type": ["LeadAssigned"]})
    made = [_lead(n) for n in range(leads)]
    wanted = {cid for cid, _ in made}
    entries = [
        {
            "Source": "crm.contacts",
            "DetailType": "LeadCreated",
            "Detail": json.dumps(d),
            "EventBusName": f"crm-{stack.stage}",
        }
        for _, d in made
    ]
    seen: set[str] = set()
    lock = threading.Lock()

    def watch() -> None:
        while True:
            with lock:
                if seen >= wanted:
                    return
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for message in got:
                with lock:
                    seen.add(json.loads(message["Body"])["detail"]["data"]["contact_id"])
            if got:
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
                )

    start = time.perf_counter()
    with ThreadPoolExecutor(5) as pool:
        watcher = pool.submit(watch)
        list(pool.map(lambda at: events.put_events(Entries=entries[at : at + 10]), range(0, leads, 10)))
        watcher.result(timeout=600)
    seconds = time.perf_counter() - start
    return leads / seconds, seconds


@contextmanager
def _in_process_pipeline() -> Iterator[None]:
    from moto import mock_aws

    from infra.testing import create_schedule_groups, create_table, function_environment
    from shared.settings import function_environment as environment
    from shared.testing import use_in_process_aws

    use_in_process_aws()
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    # The local stack's item-level transaction rollback (moto's own deep-copies every table
    # on each transaction: its artefact, not DynamoDB's), as infra.bench_segments does.
    from infra.local.moto_server import patch

    patch()
    service = ROOT / "services" / "pipeline"
    with environment(function_environment(service)), mock_aws():
        create_table(service)
        create_schedule_groups(service)
        yield


class EveryClientMeter(Meter):
    """Meter's counts over every botocore DynamoDB client of the process (pynamodb makes
    its own clients, per connection and thread), by wrapping the call every client makes."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.calls, self.read, self.written = Counter(), 0, 0
        meter, original = self, BaseClient._make_api_call

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name != "dynamodb":
                return original(client, operation, params)
            model = client.meta.service_model.operation_model(operation)
            meter._before(params, model)
            parsed = original(client, operation, params)
            meter._after(parsed, model)
            return parsed

        BaseClient._make_api_call = counted
        self._original = original

    def close(self) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original


def cost(samples: int = 50) -> tuple[list[Cost], list[float]]:
    """What each of ``samples`` assignments cost (LeadCreated handled, nothing else), and
    how long each took (ms, in-process moto: the consumer's own work, no network)."""
    with _in_process_pipeline():
        from pipeline.assignment.usecases import receive_lead
        from pipeline.bootstrap import assignment_repository, rules_repository, teams_repository
        from pipeline.leads.models import LeadFacts
        from pipeline.rules.models import RuleIn
        from pipeline.rules.usecases import add_rule, delete_rule
        from pipeline.teams.models import RepIn, TeamIn
        from pipeline.teams.usecases import add_rep, add_team
        from shared.events import EventMetadata

        teams, rules = teams_repository(), rules_repository()

        def post(path: str, body: dict[str, Any]) -> None:
            if path == "/teams":
                add_team(TeamIn.model_validate(body), teams)
            elif path == "/reps":
                add_rep(RepIn.model_validate(body), teams)
            else:
                add_rule(RuleIn.model_validate(body), rules, teams)

        setup(post)
        delete_rule("default", None, rules)
        meter, repo, costs, times = EveryClientMeter(), assignment_repository(), [], []
        try:
            for n in range(samples):
                contact_id, detail = _lead(n)
                cause = EventMetadata.model_validate(detail["metadata"])
                meter.take()
                start = time.perf_counter()
                lead = receive_lead(contact_id, LeadFacts(country=COUNTRIES[n % 10]), cause, repo)
                times.append((time.perf_counter() - start) * 1000)
                costs.append(meter.take())
                assert lead.owner_id, lead
        finally:
            meter.close()
    return costs, times


def cost_rows(measured: tuple[Sequence[Cost], Sequence[float]]) -> list[tuple[str, str]]:
    costs, times = measured
    calls = statistics.median(c.total_calls for c in costs)
    read = statistics.median(c.items_read for c in costs)
    written = statistics.median(c.items_written for c in costs)
    typical = min(costs, key=lambda c: (c.total_calls, c.items_read))
    ms = statistics.median(times)
    return [
        ("one assignment in-process (median ms; one consumer's rate)", f"{ms:.1f} ({1000 / ms:.0f}/s)"),
        ("DynamoDB calls / assignment (median)", f"{calls:g}"),
        ("items read / assignment (median)", f"{read:g}"),
        ("items written / assignment (median)", f"{written:g}"),
        ("calls by operation (typical)", typical.by_operation()),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--no-stack", action="store_true", help="only the in-process cost")
    args = parser.parse_args(argv)
    rows = cost_rows(cost(args.samples))
    if not args.no_stack:
        import tempfile

        from infra.local.launch import running_stack

        with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
            rate, seconds = throughput(stack, args.leads)
        rows.insert(0, (f"leads/s end to end ({args.leads} leads, 50 reps, 10 rules)", f"{rate:.0f} ({seconds:.1f} s)"))
    widths = [max(len(r[i]) for r in [COST_HEADER, *rows]) for i in range(2)]
    for row in [COST_HEADER, *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
