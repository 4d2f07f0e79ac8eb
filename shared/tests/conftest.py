from __future__ import annotations

from collections.abc import Iterator

import pytest

TABLE = "crm-dev-kernel"  # the table of the test service "kernel"


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    from shared.aws import client

    client.cache_clear()
    with mock_aws():
        yield
    client.cache_clear()


@pytest.fixture
def table(aws: None) -> str:
    import boto3

    from shared.testing import pk_sk_table

    boto3.client("dynamodb").create_table(**pk_sk_table(TABLE))
    return TABLE
