"""Cold init of every function: a fresh interpreter per sample, timed from the first line
of the sample to the point where the function could serve its first request.

"Init" = import the function's module + what its first invocation imports lazily + the
clients it builds (no network). The baseline is a bare handler that imports boto3 and
builds one client, measured the same way in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

from infra.services import ROOT, SERVICES, existing_services

# What each kind of function pulls in on its first invocation (kept in step with the code:
# shared/http.py, shared/consumer.py, shared/outbox.py).
FIRST_CALL = {
    "api": ["jwt", "pynamodb.models", "pynamodb.transactions", "chalice.app"],
    "on_event": [
        "aws_lambda_powertools.utilities.batch",
        "aws_lambda_powertools.utilities.idempotency",
        "pynamodb.models",
        "pynamodb.transactions",
    ],
    "outbox_relay": ["aws_lambda_powertools"],
}
CLIENTS = {"api": ["dynamodb"], "on_event": ["dynamodb"], "outbox_relay": ["events", "dynamodb"]}

SAMPLE = """
import time, resource, json, importlib
t0 = time.perf_counter()
{body}
elapsed = (time.perf_counter() - t0) * 1000
print(json.dumps({{"ms": elapsed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

BARE = """
import boto3
boto3.client("dynamodb", region_name="us-east-1")
"""


@dataclass
class Cold:
    name: str
    kind: str
    median_ms: float
    rss_mb: float


def _function_body(service: str, kind: str) -> str:
    imports = "".join(f"importlib.import_module({m!r})\n" for m in FIRST_CALL[kind])
    clients = "".join(f"client({c!r})\n" for c in CLIENTS[kind])
    body = f"import {service}.api\nfrom shared.aws import client\n{imports}{clients}"
    if kind != "outbox_relay":
        body += "from shared.table import connection\nconnection().client\n"
    return body


def _sample(body: str) -> dict[str, float]:
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *(str(ROOT / "services" / s) for s in SERVICES)]),
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SAMPLE.format(body=body)], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(body: str, samples: int) -> tuple[float, float]:
    runs = [_sample(body) for _ in range(samples)]
    return statistics.median(r["ms"] for r in runs), max(r["rss_mb"] for r in runs)


def functions() -> list[tuple[str, str]]:
    """(service, kind) for every function that exists: each service's API, relay, consumer."""
    found = []
    for service in existing_services():
        found.append((service, "api"))
        source = (ROOT / "services" / service / service / "api.py").read_text()
        found.extend((service, kind) for kind in ("on_event", "outbox_relay") if f'name="{kind}"' in source)
    return found


def run(samples: int = 11) -> tuple[Cold, list[Cold]]:
    # Warm the OS file cache once so the first sample is not an outlier for every row.
    _sample(BARE)
    bare_ms, bare_rss = measure(BARE, samples)
    bare = Cold("bare boto3 handler", "baseline", bare_ms, bare_rss)
    rows = []
    for service, kind in functions():
        ms, rss = measure(_function_body(service, kind), samples)
        rows.append(Cold(f"{service}.{kind}", kind, ms, rss))
    return bare, rows
