"""The welcome journey end to end: its step's delay set to two seconds, a new lead gets the
welcome at once and the follow-up once, fired by the stack's scheduler from the one-time
schedule the journey made (its JourneyStepDue seen on the bus once)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import drain, eventually, headers, new_lead, sent_emails, tap

pytestmark = pytest.mark.e2e

PATH = "/campaigns/journeys/welcome"


@pytest.fixture
def short_welcome(stack: Any) -> Iterator[None]:
    """The welcome journey with a 2-second step; the definition as it was afterwards."""
    read = stack.session.get(f"{stack.url}{PATH}", headers=headers(stack, "marketer"))
    assert read.status_code == 200, read.text
    before = {k: read.json()[k] for k in ("name", "trigger", "steps", "stop_when", "enabled", "once_per_contact")}
    step = {"delay": "PT2S", "template_id": "welcome-followup", "channel": "email", "purpose": "transactional"}
    changed = stack.session.put(
        f"{stack.url}{PATH}",
        json={**before, "steps": [step]},
        headers={**headers(stack, "marketer"), "If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    yield
    restored = stack.session.put(
        f"{stack.url}{PATH}", json=before, headers={**headers(stack, "marketer"), "If-Match": changed.headers["ETag"]}
    )
    assert restored.status_code == 200, restored.text


def test_a_welcome_journey_with_a_short_delay_sends_its_second_email_once(stack: Any, short_welcome: None) -> None:
    watch = tap(stack, {"source": ["crm.campaigns"], "detail-type": ["JourneyStepDue"]})
    # When a lead is created
    lead = new_lead(stack)
    # Then the welcome goes at once, and the journey's follow-up after its delay
    # Once a second: the emulator's list of sent mail grows with the session, and each read dumps it.
    assert eventually(lambda: len(sent_emails(stack, lead["email"])) == 2, timeout=30, interval=1.0)
    subjects = sorted(str(e.get("subject", "")) for e in sent_emails(stack, lead["email"]))
    assert subjects == ["How can we help?", "Welcome!"], subjects
    # And nothing more comes: the step fired once, and was sent once
    time.sleep(3)
    assert len(sent_emails(stack, lead["email"])) == 2
    fired = [e for e in drain(stack, watch, 1) if e["detail"]["data"]["contact_id"] == lead["id"]]
    assert [e["detail"]["data"]["step"] for e in fired] == [0]
