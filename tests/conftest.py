"""End-to-end fixtures: one local stack per test session and per pytest-xdist worker, on
free ports, with its own state dir so tests never touch the developer's ``.local/state``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.launch import LocalStack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("local-stack")) as running:
        yield running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failing e2e test, attach the stack's recent output to the report."""
    outcome = yield
    report = outcome.get_result()
    running = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(running, LocalStack):
        report.sections.append(("local stack output (tail)", running.log()))
