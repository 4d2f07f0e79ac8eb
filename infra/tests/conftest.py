"""In-process emulator (moto's ``mock_aws``) for the local stack's own tests: no server needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from infra.local.aws import Clients


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield Clients(None, "us-east-1")


@pytest.fixture(scope="module")
def server_clients() -> Iterator[Clients]:
    """A moto server in a thread, for DynamoDB streams: in-process ``mock_aws`` answers
    DescribeStream with 'Not yet implemented' (moto 5.2.5 + boto3 1.44), server mode works."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield Clients(f"http://127.0.0.1:{port}", "us-east-1")
    finally:
        server.stop()


@pytest.fixture
def restored_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the emulator's fixes (infra/local/moto_server.py) replace in moto is put
    back after the test: the fixes apply to that test only."""
    from infra.local import moto_server

    for owner, name in moto_server.patch_targets():
        monkeypatch.setattr(owner, name, getattr(owner, name))


@pytest.fixture
def patched_moto(restored_moto: None) -> None:
    """The emulator's fixes applied to in-process moto, for this test only."""
    from infra.local import moto_server

    moto_server.patch()
