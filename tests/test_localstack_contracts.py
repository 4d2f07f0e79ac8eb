"""Each service's contract tests on LocalStack: the fuzzing of every route its OpenAPI
document declares (tests/test_fuzz.py) and the documents the gateway serves
(tests/test_openapi_served.py), run here against a stack whose emulator is LocalStack in
host mode instead of moto. A module of its own beside tests/test_localstack.py, so that the
two LocalStack legs can run on different workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.launch import LocalStack, running_stack
from tests.test_fuzz import test_fuzz_service  # noqa: F401 - collected here, on this module's stack
from tests.test_openapi_served import (  # noqa: F401
    test_docs_page_shows_every_service,
    test_each_service_serves_its_committed_openapi_document,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Named like the session's stack, so the imported tests take this one."""
    with running_stack(tmp_path_factory.mktemp("localstack-contracts"), emulator="localstack") as running:
        yield running
