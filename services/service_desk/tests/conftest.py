from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.testing import use_in_process_aws

use_in_process_aws()  # before service_desk.repository binds its table to the settings

from moto import mock_aws  # noqa: E402

from shared.testing import create_table  # noqa: E402

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def table() -> Iterator[str]:
    with mock_aws():
        yield create_table(SERVICE_DIR)


@pytest.fixture
def client(table: str) -> Iterator[Any]:
    from chalice.test import Client

    from service_desk.api import app

    with Client(app, project_dir=str(SERVICE_DIR)) as test_client:
        yield test_client
