"""The demo's way to the running stack: its public HTTP API (a session per thread, dev
tokens per role) and, for partners' orders and refunds, its bus through the emulator."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import requests

from infra.local.token import local_token

TIMEOUT_SECONDS = 30  # a stack busy with a whole test run can take seconds to answer
# The principals the demo acts as: the tokens' sub claims (sales users act under their rep id).
SUBJECTS = {
    "admin": "demo-admin",
    "manager": "demo-manager",
    "agent": "demo-agent",
    "marketer": "demo-marketer",
}
EVENT_NAMESPACE = uuid.UUID("5c0f3a3e-9d1e-4c53-9a55-6d656d6f6372")


class ApiError(RuntimeError):
    def __init__(self, response: requests.Response) -> None:
        request = response.request
        super().__init__(f"{request.method} {request.path_url} -> {response.status_code}: {response.text[:500]}")
        self.response = response


class Api:
    """Calls to the gateway as one of the demo's principals."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def token(self, role: str, subject: str | None = None) -> str:
        key = f"{role}|{subject}"
        with self._lock:
            if key not in self._tokens:
                self._tokens[key] = local_token(role, subject=subject or SUBJECTS[role])
            return self._tokens[key]

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        session: requests.Session = self._local.session
        return session

    def call(
        self,
        method: str,
        path: str,
        role: str,
        body: Any = None,
        *,
        subject: str | None = None,
        headers: dict[str, str] | None = None,
        accept: Iterable[int] = (),
    ) -> requests.Response:
        """The response; ApiError unless it is a 2xx or one of ``accept``."""
        sent = {"Authorization": f"Bearer {self.token(role, subject)}", **(headers or {})}
        response = self.session.request(method, f"{self.url}{path}", json=body, headers=sent, timeout=TIMEOUT_SECONDS)
        if response.ok or response.status_code in set(accept):
            return response
        raise ApiError(response)

    def get(self, path: str, role: str = "manager", *, subject: str | None = None) -> Any:
        return self.call("GET", path, role, subject=subject).json()

    def pages(self, path: str, role: str = "manager", *, subject: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paginated list (``path`` may hold a query already)."""
        cursor: str | None = None
        while True:
            query = urlencode({"limit": 100, **({"cursor": cursor} if cursor else {})})
            page = self.get(f"{path}{'&' if '?' in path else '?'}{query}", role, subject=subject)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def health(self) -> dict[str, Any]:
        found: dict[str, Any] = self.session.get(f"{self.url}/_local/health", timeout=TIMEOUT_SECONDS).json()
        return found

    def invocations(self) -> int:
        """How many function invocations the stack has run: it is idle when this stays put."""
        services = self.health().get("services", {})
        return sum(f["invocations"] for s in services.values() for f in s.get("functions", {}).values())


class Partner:
    """A partner shop putting OrderPlaced / OrderRefunded events on the CRM's bus
    (the contract in services/contacts/contacts/inbound.py)."""

    def __init__(self, emulator_url: str, stage: str, source: str) -> None:
        import boto3

        self.bus, self.source = f"crm-{stage}", source
        self.events = boto3.client(
            "events",
            endpoint_url=emulator_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def put(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """(detail-type, data) pairs, ten per PutEvents call. Each event id is derived from
        its content, and contacts records an order or refund once per order_id anyway."""
        entries = []
        for detail_type, data in events:
            event_id = uuid.uuid5(EVENT_NAMESPACE, f"{detail_type}|{data['contact_id']}|{data['order_id']}")
            metadata = {
                "event_id": str(event_id),
                "event_version": 1,
                "occurred_at": data["occurred_at"],
                "correlation_id": "demo",
            }
            entries.append(
                {
                    "Source": self.source,
                    "DetailType": detail_type,
                    "Detail": json.dumps({"metadata": metadata, "data": data}),
                    "EventBusName": self.bus,
                }
            )
        for start in range(0, len(entries), 10):
            answer = self.events.put_events(Entries=entries[start : start + 10])
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"the bus refused {answer['FailedEntryCount']} partner events")


def wait_idle(api: Api, timeout: float, quiet_polls: int = 3, interval: float = 0.5) -> bool:
    """Until no function has run for ``quiet_polls`` polls in a row (events all consumed)."""
    deadline, last, quiet = time.monotonic() + timeout, -1, 0
    while time.monotonic() < deadline:
        now = api.invocations()
        quiet = quiet + 1 if now == last else 0
        if quiet >= quiet_polls:
            return True
        last = now
        time.sleep(interval)
    return False
