"""Campaigns against moto's in-process AWS: kept by marketers, sent through the real queue,
table and SES, each recipient once, with its report (Given/When/Then)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from campaigns.events import CampaignStarted
from shared.events import new_event
from shared.sample_events import consent_changed, lead_created, segment_entered
from shared.testing import call, failed_ids, sqs_event

NEWS = {
    "name": "News",
    "subject": "Hi {{ contact.first_name }}",
    "html": "<p>Hi {{ contact.first_name }}</p><a href='https://shop.example.com/new'>new</a>",
    "text": "Hi {{ contact.first_name }}: {{ unsubscribe_url }}",
}


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _queue() -> str:
    import boto3

    from shared.settings import get_settings

    url = get_settings().queue_url("sends")
    return str(boto3.client("sqs", region_name="us-east-1").create_queue(QueueName=url.rsplit("/", 1)[1])["QueueUrl"])


def _people(client: Any, segment: str, n: int, *, consent: bool = True, name: str = "") -> list[str]:
    ids = []
    for i in range(n):
        lead = lead_created(email=f"{name or segment}-{i}@example.com", first_name=f"P{i}")
        contact_id = lead.detail["data"]["contact_id"]
        events = [lead, segment_entered(segment, contact_id)] + ([consent_changed(contact_id)] if consent else [])
        _deliver(client, *events)
        ids.append(contact_id)
    return ids


def _senders(client: Any, queue: str) -> int:
    """Deliver what the queue holds to the sender function, as its event source mapping does."""
    import boto3

    sqs, handled = boto3.client("sqs", region_name="us-east-1"), 0
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            assert failed_ids(client.lambda_.invoke("send_worker", sqs_event([m["Body"]]))) == []
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            handled += 1
    return handled


def _campaign_emails() -> list[dict[str, Any]]:
    from moto.ses.models import ses_backends

    from shared.testing import ACCOUNT, REGION

    sent = ses_backends[ACCOUNT][REGION].sent_messages
    return [vars(m) for m in sent if "Welcome" not in str(getattr(m, "subject", ""))]


def test_a_campaign_reaches_its_segment_minus_exclusions_and_the_opted_out_once(client: Any) -> None:
    queue = _queue()
    # Given 12 VIPs (2 also staff, 3 who never agreed to marketing email) and a template
    vips = _people(client, "vip", 7) + _people(client, "vip", 3, consent=False, name="nope")
    staff = _people(client, "staff", 2)
    for contact_id in staff:
        _deliver(client, segment_entered("vip", contact_id))
    template = call(client, "POST", "/templates", role="marketer", body=NEWS).json
    body = {"name": "Spring", "template_id": template["id"], "segment_ids": ["vip"], "exclude_segment_ids": ["staff"]}
    # When a sales rep tries to create it, then a marketer does, counts its audience and sends it
    assert call(client, "POST", "/campaigns", role="sales", body=body).status_code == 403
    created = call(client, "POST", "/campaigns", role="marketer", body=body)
    assert created.status_code == 201 and created.json["status"] == "draft"
    path = f"/campaigns/{created.json['id']}"
    audience = call(client, "GET", f"{path}/audience", role="marketer").json
    assert audience == {"total": 10, "eligible": 7, "skipped": {"no_consent": 3}}
    sent = call(client, "POST", f"{path}/send", role="marketer")
    assert sent.status_code == 202 and sent.json["status"] == "sending"
    again = call(client, "POST", f"{path}/send", role="marketer")
    assert again.status_code == 409
    started = new_event(CampaignStarted(campaign_id=created.json["id"], run=1, estimated_audience=10))
    _deliver(client, started, started)
    assert _senders(client, queue) >= 1
    # Then the 7 consenting VIPs got one email each, with one-click unsubscribe, and the campaign is sent
    emails = _campaign_emails()
    assert len(emails) == 7 and len({str(e["destinations"]) for e in emails}) == 7
    assert call(client, "GET", path, role="agent").json["status"] == "sent"
    report = call(client, "GET", f"{path}/report", role="manager").json
    assert (report["audience"], report["sent"], report["skipped"], report["settled"]) == (10, 7, {"no_consent": 3}, 10)
    assert vips and staff


def test_a_campaign_is_kept_and_scheduled_with_its_zone_and_bad_input_names_the_field(client: Any) -> None:
    template = call(client, "POST", "/templates", role="marketer", body=NEWS).json
    at = (datetime.now(UTC) + timedelta(days=2)).astimezone().replace(microsecond=0).isoformat()
    body = {"name": "Later", "template_id": template["id"], "segment_ids": ["vip"], "schedule": {"at": at}}
    created = call(client, "POST", "/campaigns", role="marketer", body=body)
    assert created.status_code == 201 and created.json["status"] == "scheduled"
    # The schedule exists in EventBridge Scheduler, at that time, carrying the firing
    import boto3

    from shared.settings import get_settings

    found = boto3.client("scheduler", region_name="us-east-1").get_schedule(
        Name=f"campaign-{created.json['id']}", GroupName=get_settings().schedule_group
    )
    assert found["ScheduleExpression"].startswith("at(") and json.loads(found["Target"]["Input"])["data"]["fired_for"]
    # Bad input: an unknown template, a past time, an unknown zone, a cron and an at together
    cases = {
        "template_id": {**body, "template_id": "nope"},
        "schedule.at": {**body, "schedule": {"at": "2020-01-01T09:00:00+00:00"}},
        "schedule.timezone": {**body, "schedule": {"cron": "0 9 ? * MON *", "timezone": "Mars/Olympus"}},
        "schedule": {**body, "schedule": {"at": at, "cron": "0 9 ? * MON *"}},
    }
    for field, bad in cases.items():
        answer = call(client, "POST", "/campaigns", role="marketer", body=bad)
        assert answer.status_code == 422 and answer.json["errors"][0]["field"] == field, (field, answer.json)
    # A patch needs the version read; a sent or sending campaign cannot be changed
    path = f"/campaigns/{created.json['id']}"
    assert call(client, "PATCH", path, role="marketer", body={"name": "x"}).status_code == 428
    patched = call(client, "PATCH", path, role="marketer", body={"schedule": None}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200 and patched.json["status"] == "draft"


def test_a_launch_past_the_daily_quota_is_a_429_with_retry_after(client: Any) -> None:
    _queue()
    _people(client, "vip", 3)
    template = call(client, "POST", "/templates", role="marketer", body=NEWS).json
    limits = call(client, "PUT", "/sending-limits", role="admin", body={"account": 2, "marketer": 100})
    assert limits.status_code == 200
    assert (
        call(client, "PUT", "/sending-limits", role="marketer", body={"account": 9, "marketer": 9}).status_code == 403
    )
    body = {"name": "Big", "template_id": template["id"], "segment_ids": ["vip"]}
    created = call(client, "POST", "/campaigns", role="marketer", body=body).json
    refused = call(client, "POST", f"/campaigns/{created['id']}/send", role="marketer")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json["quota"] == "account"
    assert call(client, "GET", f"/campaigns/{created['id']}", role="marketer").json["status"] == "draft"
