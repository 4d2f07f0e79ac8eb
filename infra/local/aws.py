"""boto3 clients for the local stack's own work (provisioning, polling, scheduling).

The functions themselves use ``shared.aws``; the stack keeps its clients apart so that
tests can hand it clients bound to an in-process ``mock_aws`` instead of a server.
"""

from __future__ import annotations

import json
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
        self._session: tuple[Any, Any] | None = None

    def raw(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """A JSON-protocol call answered as the wire JSON, skipping botocore's parse of the
        answer against the API model: for the stream poller, whose every poll returns up to
        1,000 records that Lambda hands over as that same JSON (botocore's parse and the way
        back were 40% of the stack's CPU during a CSV import). None without an endpoint
        (tests' in-process mock_aws): then call the client."""
        if self.endpoint_url is None:
            return None
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        meta = self(service).meta
        model = meta.service_model
        request = AWSRequest(
            method="POST",
            url=self.endpoint_url,
            data=json.dumps(params),
            headers={
                "Content-Type": f"application/x-amz-json-{model.metadata['jsonVersion']}",
                "X-Amz-Target": f"{model.metadata['targetPrefix']}.{operation}",
            },
        )
        http, credentials = self._http()
        SigV4Auth(credentials, model.signing_name, self.region).add_auth(request)
        response = http.post(request.url, data=request.body, headers=dict(request.headers), timeout=30)
        if response.status_code != 200:
            return None  # let the client raise its typed error
        answer: dict[str, Any] = response.json()
        return answer

    def _http(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import boto3
                import requests

                self._session = (requests.Session(), boto3.session.Session().get_credentials())
            return self._session

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
