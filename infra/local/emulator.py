"""The AWS emulator: a LocalStack already answering at the endpoint, or else a moto server
(or a LocalStack, ``--emulator localstack``) started here as a child process, its log in
a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

START_TIMEOUT_SECONDS = 30.0


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code < 500
    except requests.RequestException:
        return False


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the stack dies, even by SIGKILL (Linux only)."""
    os.setsid()  # its own process group: Ctrl-C reaches the stack, which saves state first
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class Emulator:
    url: str
    kind: str  # "localstack", "moto" (started here) or "moto (already running)"
    process: subprocess.Popen[bytes] | None = None

    @property
    def is_localstack(self) -> bool:
        return self.kind == "localstack"

    def alive(self) -> bool:
        return self.process.poll() is None if self.process else _answers(self.url)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start(port: int, log_file: Path, host: str = "127.0.0.1", kind: str = "moto") -> Emulator:
    """The emulator on ``port``: one already answering there, else a new one of ``kind``
    (``moto``, or ``localstack`` in host mode: infra.local.localstack)."""
    url = f"http://{host}:{port}"
    if _answers(f"{url}/_localstack/health"):
        return Emulator(url, "localstack")
    if kind == "localstack":
        from infra.local import localstack

        return Emulator(url, "localstack", localstack.start(port, log_file, _die_with_parent))
    if _answers(f"{url}/moto-api/"):
        return Emulator(url, "moto (already running)")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "infra.local.moto_server", "-H", host, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],  # the repo root: infra.local.moto_server
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads exist yet at this point
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode}; see {log_file}")
        if _answers(f"{url}/moto-api/"):
            return Emulator(url, "moto", process)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto server did not answer on {url} within {START_TIMEOUT_SECONDS:.0f}s; see {log_file}")
