"""End-to-end fixtures: one local stack per test session and per pytest-xdist worker, on
free ports, with its own state dir so tests never touch the developer's ``.local/state``.
The stacks of a few modules are those modules' own: started for them and stopped after
them (an idle stack still polls its queues and its schedules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.local.launch import LocalStack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("local-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def scan_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own for the tests that scan whole tables for a person's data: on the
    shared stack each scan reads everything the suite stored (minutes on 2 cores), here only
    what those tests wrote."""
    with running_stack(tmp_path_factory.mktemp("scan-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def pipeline_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own for the sales-automation tests: they replace the assignment rules
    (no catch-all), which the lead-flow tests on the shared stack rely on."""
    with running_stack(tmp_path_factory.mktemp("pipeline-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own for the load tests (a thousand events at once): on the shared
    stack they would queue every other test's events behind theirs."""
    with running_stack(tmp_path_factory.mktemp("load-stack")) as running:
        yield running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failing e2e test, attach the stack's recent output to the report."""
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    running = (
        funcargs.get("stack")
        or funcargs.get("scan_stack")
        or funcargs.get("pipeline_stack")
        or funcargs.get("load_stack")
    )
    if report.failed and isinstance(running, LocalStack):
        report.sections.append(("local stack output (tail)", running.log()))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fuzzing's numbers (tests/test_fuzz.py records them per service), also under -q and xdist."""
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", [])
        if name == "fuzz" and getattr(report, "when", "call") == "call"
    ]
    if lines:
        terminalreporter.section("fuzzing (schemathesis)")
        for line in lines:
            terminalreporter.write_line(str(line))
