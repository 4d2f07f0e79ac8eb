"""Campaign sends end to end, through the running stack: the bus builds the audience, the
scheduler fires the campaign, the senders' queue and the emulator's SES deliver it, and each
recipient is sent at most once through crashes, failed calls, throttling and a pause."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.sample_events import consent_changed, contact_updated, lead_created, segment_entered
from tests.e2e import drain, eventually, headers, new_lead, publish, sent_emails, ses_faults, tap

pytestmark = pytest.mark.e2e


def _call(
    stack: Any, method: str, path: str, role: str = "marketer", *, version: int | None = None, **kwargs: Any
) -> Any:
    sent = {**headers(stack, role), **({"If-Match": f'"{version}"'} if version is not None else {})}
    return stack.session.request(method, f"{stack.url}/campaigns{path}", headers=sent, timeout=30, **kwargs)


def _people(stack: Any, segment: str, n: int, *, consent: bool = True, leads: bool = True) -> dict[str, str]:
    """``n`` contacts in ``segment`` as contacts' events tell campaigns: contact id -> address.
    ``leads=False``: known contacts whose profile changed (ContactUpdated, which only campaigns
    reads), so a large audience does not also enrol hundreds of members and leads elsewhere."""
    people, events = {}, []
    for _ in range(n):
        address = f"c-{uuid.uuid4().hex[:10]}@example.com"
        contact_id = str(uuid.uuid4())
        profile = (
            lead_created(contact_id, email=address)
            if leads
            else contact_updated(contact_id, email=address, first_name="Ada")
        )
        events += [profile, segment_entered(segment, contact_id)] + ([consent_changed(contact_id)] if consent else [])
        people[contact_id] = address
    publish(stack, events)
    return people


def _template(stack: Any) -> tuple[str, str]:
    subject = f"News {uuid.uuid4().hex[:8]}"
    body = {
        "name": subject,
        "subject": subject + " for {{ contact.first_name }}",
        "html": "<p>Hi {{ contact.first_name }}</p><a href='https://shop.example.com/new'>new</a>",
        "text": "Hi {{ contact.first_name }}\nUnsubscribe: {{ unsubscribe_url }}",
    }
    created = _call(stack, "POST", "/templates", json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"], subject


def _campaign(stack: Any, template_id: str, segments: list[str], **extra: Any) -> str:
    body = {"name": "E2E", "template_id": template_id, "segment_ids": segments, **extra}
    created = _call(stack, "POST", "/campaigns", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _audience_is(stack: Any, campaign_id: str, total: int) -> None:
    # Each poll resolves the whole audience: once a second, not ten times.
    count = f"/campaigns/{campaign_id}/audience"
    eventually(lambda: _call(stack, "GET", count).json()["total"] == total, timeout=90, interval=1.0)


def _ours(stack: Any, subject: str) -> list[dict[str, Any]]:
    return [e for e in sent_emails(stack) if str(e.get("subject", "")).startswith(subject)]


def _status(stack: Any, campaign_id: str) -> str:
    return str(_call(stack, "GET", f"/campaigns/{campaign_id}", "agent").json()["status"])


def _once_each(stack: Any, subject: str, people: dict[str, str]) -> None:
    sent = [str(e["destinations"]) for e in _ours(stack, subject)]
    for address in people.values():
        assert sum(address in d for d in sent) == 1, address
    assert len(sent) == len(people)


def test_a_scheduled_campaign_fires_once_and_reaches_the_segment_minus_exclusions_opt_outs_and_suppressed(
    stack: Any,
) -> None:
    segment, staff = f"vip-{uuid.uuid4().hex[:6]}", f"staff-{uuid.uuid4().hex[:6]}"
    started = tap(stack, {"source": ["crm.campaigns"], "detail-type": ["CampaignStarted"]})
    # Given 8 VIPs: 2 also staff (excluded), 1 who opted out, 1 whose address is suppressed
    reached = _people(stack, segment, 4)
    excluded = _people(stack, segment, 2)
    publish(stack, [segment_entered(staff, c) for c in excluded])
    opted_out = _people(stack, segment, 1)
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    publish(stack, [consent_changed(c, granted=False, at=later) for c in opted_out])
    barred = _people(stack, segment, 1)
    assert _call(stack, "POST", "/suppressions", "admin", json={"address": next(iter(barred.values()))}).ok
    template_id, subject = _template(stack)
    # ... and a template naming a variable no recipient has, refused with the name at fault
    broken = _call(
        stack, "POST", "/templates", json={"name": "x", "subject": "{{ voucher }}", "html": "x", "text": "x"}
    )
    assert broken.status_code == 422 and "voucher" in broken.json()["errors"][0]["message"]
    # When a campaign is scheduled for a fixed time a few seconds ahead, in Shanghai's time zone
    campaign_id = _campaign(stack, template_id, [segment], exclude_segment_ids=[staff])
    _audience_is(stack, campaign_id, 6)
    at = (datetime.now(UTC) + timedelta(seconds=4)).astimezone(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    patched = _call(stack, "PATCH", f"/campaigns/{campaign_id}", json={"schedule": {"at": at.isoformat()}}, version=1)
    assert patched.status_code == 200 and patched.json()["status"] == "scheduled", patched.text
    # Then it fires once, and reaches exactly the 4, each once; the others are settled with their reason
    eventually(lambda: _status(stack, campaign_id) == "sent", timeout=60, interval=0.5)
    _once_each(stack, subject, reached)
    report = _call(stack, "GET", f"/campaigns/{campaign_id}/report", "manager").json()
    assert (report["audience"], report["sent"], report["settled"]) == (6, 4, 6)
    assert report["skipped"] == {"no_consent": 1, "suppressed": 1}
    assert len([e for e in drain(stack, started, wait=3) if e["detail"]["data"]["campaign_id"] == campaign_id]) == 1


def test_a_crashed_sender_and_a_failed_ses_call_mid_chunk_lose_nothing_and_repeat_nothing(stack: Any) -> None:
    segment = f"crash-{uuid.uuid4().hex[:6]}"
    # Given 101 recipients (two chunks) and a template
    people = _people(stack, segment, 101, leads=False)
    template_id, subject = _template(stack)
    campaign_id = _campaign(stack, template_id, [segment])
    _audience_is(stack, campaign_id, 101)
    # When the next sender invocation crashes before it runs, and an SES call fails with nothing sent
    armed = stack.session.post(f"{stack.url}/_local/faults", json={"function": "crm-dev-campaigns-send_worker"})
    assert armed.status_code == 201, armed.text
    ses_faults(stack, fail=1)
    assert _call(stack, "POST", f"/campaigns/{campaign_id}/send").status_code == 202
    # Then SQS delivers the crashed chunk again, the failed call's recipients are sent later, once
    eventually(lambda: _status(stack, campaign_id) == "sent", timeout=90, interval=0.5)
    _once_each(stack, subject, people)
    report = _call(stack, "GET", f"/campaigns/{campaign_id}/report", "manager").json()
    assert (report["sent"], report["settled"], report["failed"]) == (101, 101, {})


def test_pause_then_resume_sends_each_recipient_once(stack: Any) -> None:
    segment = f"pause-{uuid.uuid4().hex[:6]}"
    people = _people(stack, segment, 101, leads=False)
    template_id, subject = _template(stack)
    campaign_id = _campaign(stack, template_id, [segment])
    _audience_is(stack, campaign_id, 101)
    # When it is sent and paused at once, then resumed a moment later
    assert _call(stack, "POST", f"/campaigns/{campaign_id}/send").status_code == 202
    paused = _call(stack, "POST", f"/campaigns/{campaign_id}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    eventually(lambda: _call(stack, "GET", f"/campaigns/{campaign_id}", "agent").json()["run"]["audience"] == 101)
    while_paused = len(_ours(stack, subject))
    assert while_paused < 101
    assert _call(stack, "POST", f"/campaigns/{campaign_id}/resume").json()["status"] == "sending"
    # Then the run continues where it stopped: everyone once, and the campaign is sent
    eventually(lambda: _status(stack, campaign_id) == "sent", timeout=60, interval=0.5)
    _once_each(stack, subject, people)
    assert _call(stack, "POST", f"/campaigns/{campaign_id}/send").status_code == 409


def test_ses_throttling_delays_the_campaign_but_loses_nothing(stack: Any) -> None:
    segment = f"slow-{uuid.uuid4().hex[:6]}"
    people = _people(stack, segment, 30, leads=False)
    template_id, subject = _template(stack)
    campaign_id = _campaign(stack, template_id, [segment])
    _audience_is(stack, campaign_id, 30)
    # When SES throttles the next three calls
    ses_faults(stack, throttle=3)
    assert _call(stack, "POST", f"/campaigns/{campaign_id}/send").status_code == 202
    # Then every recipient is sent once, later, and the counts add up
    eventually(lambda: _status(stack, campaign_id) == "sent", timeout=90, interval=0.5)
    _once_each(stack, subject, people)
    report = _call(stack, "GET", f"/campaigns/{campaign_id}/report", "manager").json()
    assert (report["audience"], report["sent"], report["settled"]) == (30, 30, 30)


def test_one_click_unsubscribe_from_an_email_makes_the_next_campaign_skip_the_contact(stack: Any) -> None:
    segment = f"news-{uuid.uuid4().hex[:6]}"
    # Given a contact created in contacts, who agreed to marketing email there, in a segment
    contact = new_lead(stack)
    contact_id, address = contact["id"], contact["email"]
    consent = {"channel": "email", "purpose": "marketing", "granted": True, "source": "web_form"}
    given = stack.session.post(
        f"{stack.url}/contacts/{contact_id}/consents", json=consent, headers=headers(stack, "manager"), timeout=30
    )
    assert given.status_code == 201, given.text
    publish(stack, [segment_entered(segment, contact_id)])
    template_id, subject = _template(stack)
    first = _campaign(stack, template_id, [segment])
    eventually(
        lambda: _call(stack, "GET", f"/campaigns/{first}/audience").json()["eligible"] == 1, timeout=60, interval=0.5
    )
    assert _call(stack, "POST", f"/campaigns/{first}/send").status_code == 202
    # (the campaign's state is polled: the emulator's list of sent mail grows with the session)
    eventually(lambda: _status(stack, first) == "sent", timeout=60, interval=0.5)
    [email] = _ours(stack, subject)
    # When the mailbox provider posts the one-click unsubscribe of its List-Unsubscribe header
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = email["headers"]["List-Unsubscribe"].strip("<>")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert stack.session.post(url, data="List-Unsubscribe=One-Click", headers=form, timeout=30).status_code == 200
    # Then contacts holds the withdrawal, and the next campaign to the segment skips the contact
    second = _campaign(stack, template_id, [segment])
    eventually(
        lambda: _call(stack, "GET", f"/campaigns/{second}/audience").json()["eligible"] == 0, timeout=60, interval=0.5
    )
    assert _call(stack, "POST", f"/campaigns/{second}/send").status_code == 202
    eventually(lambda: _status(stack, second) == "sent", timeout=60, interval=0.5)
    report = _call(stack, "GET", f"/campaigns/{second}/report", "manager").json()
    assert (report["sent"], report["skipped"]) == (0, {"no_consent": 1})
    assert [str(e["destinations"]) for e in _ours(stack, subject)] == [str(email["destinations"])]
    assert address in str(email["destinations"])
