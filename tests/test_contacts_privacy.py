"""Consent, export and erasure end to end, over HTTP against the running local stack."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e import drain, eventually, headers, tap

pytestmark = pytest.mark.e2e


def test_consent_export_and_erase_over_http(stack: Any) -> None:
    watch = tap(stack, {"source": ["crm.contacts"], "detail-type": ["ConsentChanged", "ContactErased"]})
    email = f"gdpr-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "first_name": "Grace", "last_name": "Hopper"}
    created = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "sales"))
    assert created.status_code == 201, created.text
    contact_id = created.json()["id"]
    base = f"{stack.url}/contacts/{contact_id}"
    # Consent: granted, then withdrawn
    for granted, source in ((True, "web_form"), (False, "unsubscribe_link")):
        change = {"channel": "email", "purpose": "marketing", "granted": granted, "source": source}
        response = stack.session.post(f"{base}/consents", json=change, headers=headers(stack, "agent"))
        assert response.status_code == 201, response.text
    view = stack.session.get(f"{base}/consents", headers=headers(stack, "marketer")).json()
    assert view["state"]["email:marketing"]["granted"] is False
    assert [h["granted"] for h in view["history"]] == [False, True]
    # Export: admin/manager only, every item held
    assert stack.session.get(f"{base}/export", headers=headers(stack, "sales")).status_code == 403
    exported = stack.session.get(f"{base}/export", headers=headers(stack, "manager"))
    assert exported.status_code == 200
    assert {"PROFILE", "CONSENT"} <= {i["sk"] for i in exported.json()["items"]}
    assert email in exported.text
    # Erase: admin only, idempotent
    assert stack.session.post(f"{base}/erase", headers=headers(stack, "manager")).status_code == 403
    first = stack.session.post(f"{base}/erase", headers=headers(stack, "admin"))
    again = stack.session.post(f"{base}/erase", headers=headers(stack, "admin"))
    assert (first.status_code, again.status_code) == (200, 200) and first.json() == again.json()
    assert stack.session.get(base, headers=headers(stack, "agent")).status_code == 404
    after = stack.session.get(f"{base}/export", headers=headers(stack, "admin"))
    assert email not in after.text and "Grace" not in after.text
    # The email is free again, and the bus heard ConsentChanged twice and ContactErased once
    recreated = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "sales"))
    assert recreated.status_code == 201, recreated.text
    seen = [e for e in drain(stack, watch, 4) if e["detail"]["data"]["contact_id"] == contact_id]
    assert sorted(e["detail-type"] for e in seen) == ["ConsentChanged", "ConsentChanged", "ContactErased"]


def _export_csv(stack: Any, body: dict[str, Any]) -> str:
    """A CSV export run by export_worker, downloaded: the file's text."""
    created = stack.session.post(f"{stack.url}/contacts/exports", json=body, headers=headers(stack, "marketer"))
    assert created.status_code == 202, created.text
    location = f"{stack.url}{created.headers['Location']}"

    def completed() -> dict[str, Any] | None:
        job: dict[str, Any] = stack.session.get(location, headers=headers(stack, "marketer")).json()
        assert job["status"] != "failed", job
        return job if job["status"] == "completed" else None

    job = eventually(completed, timeout=60, interval=0.25)
    return str(stack.session.get(job["download_url"], timeout=10).content.decode())


def _items_naming(stack: Any, needles: list[str]) -> list[str]:
    """The keys of every item of the contacts table holding one of ``needles``."""
    ddb, found = stack.client("dynamodb"), []
    for page in ddb.get_paginator("scan").paginate(TableName=f"crm-{stack.stage}-contacts"):
        for item in page["Items"]:
            text = json.dumps(item).lower()
            if any(n.lower() in text for n in needles):
                found.append(f"{item['pk']['S']}/{item['sk']['S']}")
    return found


def test_a_deleted_contact_shows_nothing_and_its_erasure_leaves_no_personal_data(scan_stack: Any) -> None:
    stack = scan_stack  # its scan reads only what this test wrote (tests/conftest.py)
    watch = tap(stack, {"source": ["crm.contacts"], "detail-type": ["ContactDeleted", "ContactErased"]})
    suffix = uuid.uuid4().hex[:10]
    tag = f"del{suffix[:8]}"
    person = {
        "email": f"deleted-{suffix}@example.com",
        "first_name": f"Grace{suffix}",
        "last_name": f"Hopper{suffix}",
        "phone": f"+14155550{random.randint(100, 199)}",
        "tags": [tag],
    }
    created = stack.session.post(f"{stack.url}/contacts", json=person, headers=headers(stack, "admin"))
    assert created.status_code == 201, created.text
    contact_id = created.json()["id"]
    base = f"{stack.url}/contacts/{contact_id}"
    # Given consent, an interaction naming the person, and an order
    now = datetime.now(UTC).isoformat()
    writes = {
        "consents": {"channel": "email", "purpose": "marketing", "granted": True, "source": "web_form"},
        "interactions": {
            "kind": "call",
            "direction": "inbound",
            "summary": f"{person['last_name']} called",
            "occurred_at": now,
        },
        "orders": {
            "order_id": f"o-{suffix}",
            "amount": "12.00",
            "currency": "EUR",
            "channel": "web",
            "occurred_at": now,
        },
    }
    for path, body in writes.items():
        response = stack.session.post(f"{base}/{path}", json=body, headers=headers(stack, "admin"))
        assert response.status_code == 201, (path, response.text)
    needles = [person["email"], person["first_name"], person["last_name"], person["phone"]]
    assert person["phone"] in _export_csv(stack, {"filter": {"tag": tag}, "columns": ["id", "phone"]})

    # When a manager deletes it, asking what the delete keeps
    deleted = stack.session.delete(base, headers={**headers(stack, "manager"), "Prefer": "return=representation"})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["kept"] == ["orders", "refunds", "interactions", "timeline", "metrics", "consents"]
    assert deleted.json()["erase"] == f"/contacts/{contact_id}/erase" and "erase" in deleted.headers["Link"]
    # Then nothing of it is readable: its routes, its GDPR export, a CSV export
    for path in ("", "/export", "/timeline", "/interactions", "/metrics", "/consents"):
        assert stack.session.get(f"{base}{path}", headers=headers(stack, "admin")).status_code == 404, path
    exported = _export_csv(stack, {"filter": {"tag": tag}, "columns": ["id", "email", "phone", "last_name"]})
    assert exported.strip() == "id,email,phone,last_name" and contact_id not in exported

    # When an admin erases it, twice
    first = stack.session.post(f"{base}/erase", headers=headers(stack, "admin"))
    again = stack.session.post(f"{base}/erase", headers=headers(stack, "admin"))
    # Then both answer the same erasure, the bus hears ContactDeleted and ContactErased once each
    assert (first.status_code, again.status_code) == (200, 200) and first.json() == again.json()
    seen = [e["detail-type"] for e in drain(stack, watch, 4) if e["detail"]["data"]["contact_id"] == contact_id]
    assert sorted(seen) == ["ContactDeleted", "ContactErased"]

    # ... and, once the outbox is relayed, no item of the contacts table names the person
    def nothing_names_them() -> bool:
        left = _items_naming(stack, needles)
        assert left == [], left
        return True

    eventually(nothing_names_them, timeout=30, interval=0.5)
