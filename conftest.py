"""Root pytest configuration: every in-process test talks to moto's mock, never to AWS,
and a service's tests get its table and a Chalice test client from here."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.local import moto_sesv2_bulk, moto_transactions
from shared.testing import use_dev_auth, use_in_process_aws

use_in_process_aws()  # before any repository binds its table to the settings
use_dev_auth()  # before any service's app is built: tests sign their tokens with the dev key
moto_sesv2_bulk.patch()  # SESv2 SendBulkEmail, which moto lacks: the local emulator's own addition
# TransactWriteItems copies only the items it touches, as in the emulator: moto's own copies
# the whole table per call (seconds for a campaign's hundred sends once the table holds a few
# thousand items).
moto_transactions.patch_transactions()


def _service_dir(test_path: Path) -> Path:
    """services/<svc>/tests/test_x.py -> services/<svc>."""
    for parent in test_path.parents:
        if parent.parent.name == "services":
            return parent
    raise LookupError(f"{test_path} is not a service's test")


@pytest.fixture
def table(request: pytest.FixtureRequest) -> Iterator[str]:
    """The service's table and buckets, created from its resources.yaml in a fresh mock_aws,
    and the environment its template gives its functions (CRM_TABLE, queue URLs...)."""
    import boto3
    from moto import mock_aws

    from infra.testing import create_buckets, create_schedule_groups, create_table, function_environment
    from shared.aws import client
    from shared.settings import get_settings

    client.cache_clear()  # clients made outside this mock would talk to another one
    _fresh_repositories()  # what a repository cached (rules, definitions) was another table's
    with _environment(function_environment(_service_dir(request.path))), mock_aws():
        # What the templates' SES::EmailIdentity gives: SES sends only from verified senders.
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress=get_settings().sender_email)
        name = create_table(_service_dir(request.path))
        create_buckets(_service_dir(request.path))
        create_schedule_groups(_service_dir(request.path))
        yield name


def _fresh_repositories() -> None:
    """Each service's composition root builds its repositories once (``@cache``): forget them."""
    import sys

    for service in ("contacts", "pipeline", "service_desk", "loyalty", "campaigns"):
        module = sys.modules.get(f"{service}.bootstrap")
        for value in vars(module).values() if module else ():
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == module.__name__:
                value.cache_clear()


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """``os.environ`` as Lambda would set it for the function, restored afterwards (settings re-read)."""
    import os

    from shared.settings import get_settings

    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


@pytest.fixture
def client(request: pytest.FixtureRequest, table: str) -> Iterator[Any]:
    """A chalice.test.Client of the service's app, on that table."""
    from chalice.test import Client

    service_dir = _service_dir(request.path)
    app = importlib.import_module(f"{service_dir.name}.api").app
    with Client(app, project_dir=str(service_dir)) as test_client:
        yield test_client
