"""Record-level reach end to end: pipeline assigns a lead to a rep, and from then on that
rep (token sub = their rep id) reaches it while another rep is told it does not exist."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.auth import issue_dev_token
from tests.e2e import drain, eventually, headers, tap

pytestmark = pytest.mark.e2e


def as_(role: str, sub: str) -> dict[str, str]:
    # What stack.token does, with the subject a real user's token would carry.
    return {"Authorization": f"Bearer {issue_dev_token(role, subject=sub)}", "Content-Type": "application/json"}


def add_rep(stack: Any, name: str) -> str:
    body = {"name": name, "email": f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", "capacity": 1000}
    response = stack.session.post(f"{stack.url}/pipeline/reps", json=body, headers=headers(stack, "manager"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_assigned_rep_reaches_the_lead_and_another_rep_gets_404(stack: Any) -> None:
    reps = [add_rep(stack, "Grace"), add_rep(stack, "Edsger")]
    watch = tap(stack, {"source": ["crm.pipeline"], "detail-type": ["LeadAssigned"]})
    creator = f"creator-{uuid.uuid4().hex[:8]}"
    email = f"reach-{uuid.uuid4().hex[:10]}@example.com"
    # When a sales user enters a lead, the POST gives it back to them
    created = stack.session.post(
        f"{stack.url}/contacts",
        json={"email": email, "first_name": "Ada", "last_name": "Lovelace"},
        headers=as_("sales", creator),
    )
    assert created.status_code == 201, created.text
    lead = created.json()
    assert (lead["created_by"], lead["owner_id"]) == (creator, None)
    url = f"{stack.url}/contacts/{lead['id']}"

    # ... and pipeline assigns it (round robin: to one of these reps, or one an earlier test added)
    [assigned] = eventually(
        lambda: [e for e in drain(stack, watch, 1) if e["detail"]["data"]["contact_id"] == lead["id"]], timeout=30
    )
    owner = assigned["detail"]["data"]["owner_id"]
    manager = headers(stack, "manager")
    eventually(lambda: stack.session.get(url, headers=manager).json().get("owner_id") == owner)
    other = next(r for r in reps if r != owner)

    # Then the assigned rep reads it, finds it by search and in their list
    mine = stack.session.get(url, headers=as_("sales", owner))
    assert mine.status_code == 200 and mine.json()["owner_id"] == owner
    found = stack.session.get(f"{stack.url}/contacts", params={"q": email}, headers=as_("sales", owner))
    assert [c["id"] for c in found.json()["items"]] == [lead["id"]]
    listed = stack.session.get(
        f"{stack.url}/contacts",
        params={"created_from": lead["created_at"][:19], "limit": 100},  # to the second: the rep's newest
        headers=as_("sales", owner),
    )
    assert lead["id"] in {c["id"] for c in listed.json()["items"]}
    assert {c["owner_id"] for c in listed.json()["items"]} == {owner}

    # ... while another rep, and the creator now that it has an owner, are told it does not exist
    for outsider in (other, creator):
        theirs = stack.session.get(url, headers=as_("sales", outsider))
        assert theirs.status_code == 404 and theirs.headers["Content-Type"] == "application/problem+json"
        timeline = stack.session.get(f"{url}/timeline", headers=as_("sales", outsider))
        assert timeline.status_code == 404
        search = stack.session.get(f"{stack.url}/contacts", params={"q": email}, headers=as_("sales", outsider))
        assert search.status_code == 200 and search.json()["items"] == []
