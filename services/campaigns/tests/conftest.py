from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.testing import use_in_process_aws

use_in_process_aws()  # before campaigns.repository binds its table to the settings

from moto import mock_aws  # noqa: E402

from shared.testing import create_table  # noqa: E402

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def table() -> Iterator[str]:
    import boto3

    from shared.settings import get_settings

    with mock_aws():
        # What the template's SES::EmailIdentity gives: SES sends only from verified senders.
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress=get_settings().sender_email)
        yield create_table(SERVICE_DIR)


@pytest.fixture
def client(table: str) -> Iterator[Any]:
    from chalice.test import Client

    from campaigns.api import app

    with Client(app, project_dir=str(SERVICE_DIR)) as test_client:
        yield test_client
