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

from infra.services import ROOT, SERVICES, existing_services, service_module
from shared.settings import DEV_AUTH_ENVIRONMENT

# What each kind of function pulls in on its first invocation (kept in step with the code:
# shared/http.py, shared/consumer.py, shared/outbox.py).
FIRST_CALL = {
    "api": ["jwt", "pynamodb.models", "pynamodb.transactions", "chalice.app", "email_validator"],
    "on_event": [
        "aws_lambda_powertools.utilities.batch",
        "aws_lambda_powertools.utilities.idempotency",
        "pynamodb.models",
        "pynamodb.transactions",
    ],
    "outbox_relay": ["aws_lambda_powertools"],
}
CLIENTS = {"api": [], "on_event": ["dynamodb"], "outbox_relay": ["events", "dynamodb"]}

SAMPLE = """
import time, resource, json, importlib
t0, c0 = time.perf_counter(), time.process_time()
{body}
elapsed, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
print(json.dumps({{"ms": elapsed, "cpu_ms": cpu, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
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
    cpu_ms: float
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
        # The APIs refuse to be built without token verification: the local one here.
        **DEV_AUTH_ENVIRONMENT,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *(str(ROOT / "services" / s) for s in SERVICES)]),
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SAMPLE.format(body=body)], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def functions() -> list[tuple[str, str]]:
    """(service, kind) for every function that exists: each service's API and the pure
    functions its app registers (relay, consumer) that this bench knows how to warm."""
    found = []
    for service in existing_services():
        module = service_module(service, "api")
        assert module is not None
        app = module.app
        found.append((service, "api"))
        found.extend((service, f.name) for f in app.pure_lambda_functions if f.name in FIRST_CALL)
    return found


def _compile() -> None:
    """Byte-compile our code as the site-packages are: a package ships .pyc (Lambda's /var/task
    is read-only, so it cannot cache them), and PYTHONDONTWRITEBYTECODE may be set here."""
    import compileall

    for folder in ("shared", "services"):
        compileall.compile_dir(ROOT / folder, quiet=1, legacy=False)


def run(samples: int = 11) -> tuple[Cold, list[Cold]]:
    _compile()
    subjects = [("bare boto3 handler", "baseline", BARE)]
    subjects += [(f"{service}.{kind}", kind, _function_body(service, kind)) for service, kind in functions()]
    _sample(BARE)  # warm the OS file cache once
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in subjects}
    # Interleaved rounds: a slow spell of the machine hits every subject alike.
    for _ in range(samples):
        for name, _, body in subjects:
            runs[name].append(_sample(body))
    results = [
        Cold(
            name,
            kind,
            statistics.median(r["ms"] for r in runs[name]),
            statistics.median(r["cpu_ms"] for r in runs[name]),
            max(r["rss_mb"] for r in runs[name]),
        )
        for name, kind, _ in subjects
    ]
    return results[0], results[1:]
