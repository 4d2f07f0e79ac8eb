"""Start a local stack (``python -m infra.local.stack``) as a child process on free ports,
with its own state dir, and stop it: used by the end-to-end tests and by ``make bench``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from infra.services import ROOT, SERVICES

START_TIMEOUT_SECONDS = 60.0
OUTPUT_TAIL_CHARS = 20_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStack:
    url: str
    emulator_url: str
    stage: str
    process: subprocess.Popen[bytes]
    output: Path
    session: requests.Session = field(default_factory=requests.Session)

    def token(self, role: str = "admin", subject: str | None = None) -> str:
        from infra.local.token import local_token

        return local_token(role, subject)

    def arm_fault(self, function: str, count: int = 1) -> None:
        """The next ``count`` invocations of ``function`` crash before its handler runs."""
        response = self.session.post(f"{self.url}/_local/faults", json={"function": function, "count": count})
        response.raise_for_status()

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = self.session.get(f"{self.url}/_local/health", timeout=5).json()
        return body

    def client(self, service: str) -> Any:
        """A boto3 client of the stack's emulator."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.emulator_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def tap(self, pattern: dict[str, Any]) -> str:
        """A new queue subscribed to the stack's bus with ``pattern``: what is really published."""
        import json
        import uuid

        sqs, events = self.client("sqs"), self.client("events")
        name = f"tap-{uuid.uuid4().hex[:8]}"
        url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = f"crm-{self.stage}"
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": name, "Arn": arn}])
        return url

    def log(self) -> str:
        text = self.output.read_text(errors="replace") if self.output.exists() else ""
        return text[-OUTPUT_TAIL_CHARS:]


def _wait_healthy(stack: LocalStack) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {stack.process.returncode}:\n{stack.log()}")
        try:
            if requests.get(f"{stack.url}/_local/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the local stack was not healthy within {START_TIMEOUT_SECONDS:.0f}s:\n{stack.log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running_stack(workdir: Path, stage: str = "dev", emulator: str = "moto") -> Iterator[LocalStack]:
    """A fresh stack for the duration of the block (never the developer's ports or state)."""
    port, emulator_port = free_port(), free_port()
    env = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "CRM_STAGE"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *(str(ROOT / "services" / s) for s in SERVICES)])
    env["PYTHONUNBUFFERED"] = "1"
    output = workdir / "stack.log"
    command = [
        sys.executable,
        "-m",
        "infra.local.stack",
        *("--port", str(port), "--emulator-port", str(emulator_port), "--stage", stage),
        *("--state-dir", str(workdir / "state"), "--log-dir", str(workdir / "logs")),
        "--no-save",  # a fresh stack's state is thrown away with it
        *("--emulator", emulator),
    ]
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
    running = LocalStack(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}", stage, process, output)
    try:
        _wait_healthy(running)
        yield running
    finally:
        running.session.close()
        _stop(process)
