"""Helpers of the end-to-end tests: they talk to a running local stack (the ``stack``
fixture) over HTTP and watch its bus through the emulator."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll until ``check`` returns something truthy (side effects are asynchronous)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except AssertionError as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout}s: {last!r}")


def aws(stack: Any, service: str) -> Any:
    return stack.client(service)


def headers(stack: Any, role: str = "admin", subject: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(role, subject)}", "Content-Type": "application/json"}


def get(stack: Any, path: str) -> Any:
    """The JSON body of a 200 answer, else None."""
    response = stack.session.get(f"{stack.url}{path}", headers=headers(stack, "agent"))
    return response.json() if response.status_code == 200 else None


def new_lead(stack: Any, **extra: str) -> dict[str, Any]:
    body = {"email": f"lead-{uuid.uuid4().hex[:10]}@example.com", "first_name": "Ada", "last_name": "Lovelace", **extra}
    response = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "sales"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def patch_contact(stack: Any, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """PATCH a contact as a careful client does: at the version it reads just before, read
    again on a 409 (pipeline's owner and the lead flow's other consumers move a new
    contact's version on their own time)."""
    url = f"{stack.url}/contacts/{contact_id}"
    for _ in range(5):
        version = stack.session.get(url, headers=headers(stack, "admin")).json()["version"]
        patched = stack.session.patch(url, json=body, headers={**headers(stack, "admin"), "If-Match": f'"{version}"'})
        if patched.status_code != 409:
            break
    assert patched.status_code == 200, patched.text
    changed: dict[str, Any] = patched.json()
    return changed


def tap(stack: Any, pattern: dict[str, Any]) -> str:
    """A queue subscribed to the bus, to watch what is really published."""
    return str(stack.tap(pattern))


def drain(stack: Any, queue_url: str, wait: float = 2.0) -> list[dict[str, Any]]:
    """Every event the tap received within ``wait`` seconds."""
    sqs, found, deadline = aws(stack, "sqs"), [], time.monotonic() + wait
    while time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        found.extend(json.loads(m["Body"]) for m in batch)
    return found


def publish(stack: Any, events: Any) -> None:
    """Put ``shared.events.Outgoing`` events on the bus as their services would, 10 a call."""
    bus, batch = aws(stack, "events"), list(events)
    for start in range(0, len(batch), 10):
        entries = [
            {"Source": e.source, "DetailType": e.detail_type, "Detail": json.dumps(e.detail), "EventBusName": "crm-dev"}
            for e in batch[start : start + 10]
        ]
        assert bus.put_events(Entries=entries)["FailedEntryCount"] == 0


def ses_faults(stack: Any, *, throttle: int = 0, fail: int = 0) -> dict[str, int]:
    """Arm the emulator's SES: the next ``throttle`` SendBulkEmail calls answer 429, then
    ``fail`` answer 500, nothing sent. Returns what is armed."""
    response = stack.session.put(f"{stack.url}/_local/ses/faults", json={"throttle": throttle, "fail": fail})
    assert response.status_code == 200, response.text
    armed: dict[str, int] = response.json()["armed"]
    return armed


def sent_sms(stack: Any, phone_number: str | None = None) -> list[dict[str, Any]]:
    """The SMS the stack sent (``/_local/sms``), to ``phone_number`` when given."""
    items: list[dict[str, Any]] = stack.session.get(f"{stack.url}/_local/sms").json()["items"]
    return [s for s in items if phone_number is None or s["phone_number"] == phone_number]


def sent_emails(stack: Any, address: str | None = None) -> list[dict[str, Any]]:
    """The mail the stack sent (``/_local/emails``), to ``address`` when given."""
    items: list[dict[str, Any]] = stack.session.get(f"{stack.url}/_local/emails").json()["items"]
    return [e for e in items if address is None or address in json.dumps(e.get("destinations", ""))]
