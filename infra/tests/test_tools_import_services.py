"""The tools that import a service to read its declarations (the bench, the OpenAPI
generator) work in a process without the local flag: a service's API fails closed without
token verification, and `make bench` once broke on it."""

from __future__ import annotations

import os
import subprocess
import sys

from infra.services import ROOT


def _tool(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_cold_start_bench_lists_every_function_without_the_local_flag() -> None:
    listed = _tool("from infra.bench_cold import functions; print(len(functions()))")
    assert listed.returncode == 0, listed.stderr
    assert int(listed.stdout) >= 5


def test_the_openapi_check_runs_without_the_local_flag() -> None:
    checked = _tool("from infra.openapi import main; raise SystemExit(main(['check']))")
    assert checked.returncode == 0, checked.stderr
