"""boto3 clients for the local stack's own work (provisioning, polling, scheduling).

The functions themselves use ``shared.aws``; the stack keeps its clients apart so that
tests can hand it clients bound to an in-process ``mock_aws`` instead of a server.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config

ACCOUNT_ID = "123456789012"


class Clients:
    """A cache of boto3 clients for one endpoint (None: whatever boto3 resolves, e.g. mock_aws)."""

    def __init__(self, endpoint_url: str | None = None, region: str = "us-east-1") -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                import boto3

                # Pollers keep a long poll open per thread: allow more pooled connections.
                config = Config(max_pool_connections=50, retries={"max_attempts": 3, "mode": "standard"})
                self._clients[service] = boto3.session.Session().client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=config,
                )
            return self._clients[service]


def queue_url_from_arn(clients: Clients, arn: str) -> str:
    """arn:aws:sqs:REGION:ACCOUNT:NAME -> the queue URL the emulator reports."""
    parts = arn.split(":")
    response = clients("sqs").get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])
    return str(response["QueueUrl"])
