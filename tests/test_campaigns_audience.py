"""Campaigns' audience end to end: contacts' events, through the running stack's bus, keep
campaigns' own view of a person (no call from campaigns to contacts)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import eventually, headers, new_lead, patch_contact

pytestmark = pytest.mark.e2e


def recipient(stack: Any, contact_id: str) -> dict[str, Any] | None:
    response = stack.session.get(
        f"{stack.url}/campaigns/audience/recipients/{contact_id}", headers=headers(stack, "marketer")
    )
    found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
    return found


def record_consent(stack: Any, contact_id: str, granted: bool) -> None:
    body = {"channel": "email", "purpose": "marketing", "granted": granted, "source": "web_form"}
    response = stack.session.post(
        f"{stack.url}/contacts/{contact_id}/consents", json=body, headers=headers(stack, "admin")
    )
    assert response.status_code == 201, response.text


def test_a_lead_becomes_a_recipient_whose_consent_and_name_follow_contacts(stack: Any) -> None:
    # Given a lead created over HTTP in contacts
    lead = new_lead(stack, language="zh")
    # Then campaigns holds it as a recipient, without consent yet
    held = eventually(lambda: recipient(stack, lead["id"]))
    assert (held["email"], held["first_name"], held["language"], held["consent"]) == (lead["email"], "Ada", "zh", {})
    # When the contact grants email marketing through contacts' consent route
    record_consent(stack, lead["id"], True)
    # Then the recipient may be sent marketing email
    eventually(lambda: (recipient(stack, lead["id"]) or {}).get("consent") == {"email:marketing": True})
    # When it withdraws, and its first name is changed in contacts
    record_consent(stack, lead["id"], False)
    patch_contact(stack, lead["id"], {"first_name": "Augusta"})
    # Then both reach campaigns
    eventually(lambda: (recipient(stack, lead["id"]) or {}).get("consent") == {"email:marketing": False})
    assert eventually(lambda: (recipient(stack, lead["id"]) or {}).get("first_name") == "Augusta")


def test_a_contact_entering_and_leaving_a_contacts_segment_is_followed_by_campaigns(stack: Any) -> None:
    # Given a segment of contacts tagged with a tag of this test's own
    tag = f"aud-{uuid.uuid4().hex[:8]}"
    rules = {"all": [{"field": "tags", "op": "contains", "value": tag}]}
    created = stack.session.post(
        f"{stack.url}/contacts/segments", json={"name": tag, "rules": rules}, headers=headers(stack, "marketer")
    )
    assert created.status_code == 201, created.text
    segment_id = created.json()["id"]
    # When a lead carrying the tag is created
    lead = new_lead(stack)
    patch_contact(stack, lead["id"], {"tags": [tag]})
    # Then campaigns counts it among the segment's members
    eventually(lambda: segment_id in (recipient(stack, lead["id"]) or {}).get("segments", []))
    # When the tag is removed, Then it leaves the segment in campaigns too
    patch_contact(stack, lead["id"], {"tags": []})
    eventually(lambda: (recipient(stack, lead["id"]) or {}).get("segments") == [])
