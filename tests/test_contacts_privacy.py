"""Consent, export and erasure end to end, over HTTP against the running local stack."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import drain, headers, tap

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
