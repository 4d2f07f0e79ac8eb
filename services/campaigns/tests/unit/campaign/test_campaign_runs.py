"""Campaign runs with fakes over the real sending core: started once, frozen once, each
recipient settled once through pauses, throttling and redeliveries (Given/When/Then)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.campaign.models import CampaignIn, CampaignPatch, CampaignStatus
from campaigns.campaign.report import report
from campaigns.campaign.runs import decide, freeze, resume, send_chunk, start
from campaigns.campaign.usecases import add_campaign, cancel, pause, update_campaign
from services.campaigns.tests.unit.campaign.fakes import Shop
from services.campaigns.tests.unit.sending.fakes import recipient
from shared.errors import Conflict, TooManyRequests


def _people(prefix: str, n: int, **changes: object) -> list:
    return [recipient(f"{prefix}{i:03d}", **changes) for i in range(n)]


def _shop(**segments: list) -> Shop:
    return Shop(segments)


def _campaign(shop: Shop, **changes: object) -> str:
    values: dict[str, object] = {"name": "Spring", "template_id": "tpl", "segment_ids": ["vip"]}
    return add_campaign(CampaignIn.model_validate({**values, **changes}), "mk-1", shop.ports).id


def _run(shop: Shop, campaign_id: str) -> None:
    """What the stack does after a start: the CampaignStarted consumer, then the senders."""
    campaign = shop.campaigns.get(campaign_id)
    assert campaign is not None and campaign.run is not None
    freeze(campaign_id, campaign.run.number, shop.ports)
    shop.queue.drain(lambda m: send_chunk(m, shop.ports))


def test_a_campaign_reaches_its_segments_minus_exclusions_once_and_is_sent_when_all_are_settled() -> None:
    # Given 250 VIPs, 20 of whom are also in an excluded segment, and 10 without consent
    vips = _people("v", 230) + _people("x", 20) + _people("n", 10, consent={})
    shop = _shop(vip=vips, staff=_people("x", 20))
    campaign_id = _campaign(shop, exclude_segment_ids=["staff"])
    # When it is sent, and the started event and every chunk are delivered twice
    start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)
    _run(shop, campaign_id)
    freeze(campaign_id, 1, shop.ports)
    shop.queue.drain(lambda m: send_chunk(m, shop.ports))
    # Then the 230 consenting non-excluded VIPs got one email each, the 10 are skipped, and it is sent
    sent = [e.contact_id for e in shop.world.mailer.sent]
    assert len(sent) == len(set(sent)) == 230 and not any(c.startswith("x") for c in sent)
    campaign = shop.campaigns.get(campaign_id)
    assert campaign is not None and campaign.status is CampaignStatus.SENT and campaign.run is not None
    assert campaign.run.audience == 240 and campaign.run.chunks == 3
    numbers = report(campaign_id, shop.ports)
    assert (numbers.sent, numbers.skipped, numbers.settled) == (230, {"no_consent": 10}, 240)
    completed = [e for e in shop.campaigns.events if e.detail_type == "CampaignCompleted"]
    assert len(completed) == 1 and completed[0].detail["data"]["sent"] == 230


def test_a_second_send_is_refused_and_a_schedules_repeated_or_stale_firing_does_nothing() -> None:
    shop = _shop(vip=_people("v", 3))
    # Given a campaign scheduled for tomorrow 09:00 in Shanghai, then moved to 10:00
    at = (shop.world.now + timedelta(days=1)).isoformat()
    campaign_id = _campaign(shop, schedule={"at": at})
    planned = shop.schedules.planned[f"campaign-{campaign_id}"]
    assert planned[0] == "at" and planned[2].detail["data"]["fired_for"] == at
    later = (shop.world.now + timedelta(days=1, hours=1)).isoformat()
    update_campaign(campaign_id, CampaignPatch.model_validate({"schedule": {"at": later}}), 1, shop.ports)
    # When the old time fires, then the new one twice
    start(campaign_id, by="mk-1", fired_for=at, ports=shop.ports)
    assert shop.campaigns.items[campaign_id].status is CampaignStatus.SCHEDULED
    start(campaign_id, by="mk-1", fired_for=later, ports=shop.ports)
    start(campaign_id, by="mk-1", fired_for=later, ports=shop.ports)
    # Then exactly one run started, and sending it again by hand is a 409
    started = [e for e in shop.campaigns.events if e.detail_type == "CampaignStarted"]
    assert len(started) == 1
    with pytest.raises(Conflict):
        start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)


def test_pause_then_resume_sends_each_recipient_once_and_continues_where_it_stopped() -> None:
    # Given a 300-recipient campaign whose first chunk has been sent
    shop = _shop(vip=_people("v", 300))
    campaign_id = _campaign(shop)
    start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)
    freeze(campaign_id, 1, shop.ports)
    first, _ = shop.queue.messages.pop(0)
    send_chunk(first, shop.ports)
    # When it is paused, the senders take the other chunks, then it is resumed
    pause(campaign_id, shop.ports)
    shop.queue.drain(lambda m: send_chunk(m, shop.ports))
    assert len(shop.world.mailer.sent) == 100
    resume(campaign_id, shop.ports)
    resumed_messages = len(shop.queue.messages)
    shop.queue.drain(lambda m: send_chunk(m, shop.ports))
    # Then only the two chunks not done were queued again, and everyone got one email
    sent = [e.contact_id for e in shop.world.mailer.sent]
    assert resumed_messages == 2 and len(sent) == len(set(sent)) == 300
    assert shop.campaigns.items[campaign_id].status is CampaignStatus.SENT


def test_throttled_recipients_come_back_later_on_the_queue_never_dropped() -> None:
    # Given a provider that throttles the first 130 recipients it is given
    shop = _shop(vip=_people("v", 200))
    shop.world.mailer.throttle_next = 130
    campaign_id = _campaign(shop)
    start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)
    freeze(campaign_id, 1, shop.ports)
    delays = []
    while shop.queue.messages:
        message, delay = shop.queue.messages.pop(0)
        delays.append(delay)
        send_chunk(message, shop.ports)
    # Then every recipient got one email, after delayed retries of the throttled ones
    sent = [e.contact_id for e in shop.world.mailer.sent]
    assert len(sent) == len(set(sent)) == 200 and max(delays) >= 2
    assert shop.campaigns.items[campaign_id].status is CampaignStatus.SENT


def test_a_launch_past_a_daily_quota_is_a_429_with_retry_after_and_spends_nothing() -> None:
    # Given an account allowed 5 recipients a day and a 6-recipient campaign
    shop = _shop(vip=_people("v", 6))
    shop.campaigns.put_limits({"account": 5, "marketer": 100})
    campaign_id = _campaign(shop)
    # When it is sent
    with pytest.raises(TooManyRequests) as refused:
        start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)
    # Then it is refused until tomorrow, still a draft, with nothing spent
    assert refused.value.retry_after is not None and 0 < refused.value.retry_after <= 86400
    assert shop.campaigns.items[campaign_id].status is CampaignStatus.DRAFT and shop.campaigns.quota == {}


def test_an_ab_test_sends_its_sample_then_the_winner_to_the_rest() -> None:
    # Given 100 recipients, an A/B test of two subjects on 20% of them, decided by opens
    shop = _shop(vip=_people("v", 100))
    test = {"subjects": ["A {{ contact.first_name }}", "B {{ contact.first_name }}"], "sample_percent": 20}
    campaign_id = _campaign(shop, ab_test=test)
    start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)
    _run(shop, campaign_id)
    # When the sample is sent, B's recipients open more, and the test's time is up
    subjects = [e.subject[0] for e in shop.world.mailer.sent]
    assert sorted(subjects) == ["A"] * 10 + ["B"] * 10
    assert f"campaign-{campaign_id}-ab-1" in shop.schedules.planned
    shop.world.sends.counts.setdefault("B", {})["opened"] = 6
    shop.world.sends.counts.setdefault("A", {})["opened"] = 2
    assert decide(campaign_id, 1, shop.ports) == "B"
    shop.queue.drain(lambda m: send_chunk(m, shop.ports))
    # Then the other 80 got B's subject, everyone once, and the report shows both variants
    sent = [e.contact_id for e in shop.world.mailer.sent]
    assert len(sent) == len(set(sent)) == 100
    assert [e.subject[0] for e in shop.world.mailer.sent[20:]] == ["B"] * 80
    numbers = report(campaign_id, shop.ports)
    assert numbers.variants["A"].sent == 10 and numbers.variants["B"].sent == 90
    assert shop.campaigns.items[campaign_id].status is CampaignStatus.SENT


def test_a_cancelled_campaign_sends_nothing_more_and_both_channels_go_once_each() -> None:
    shop = _shop(vip=_people("v", 150))
    # Given an email-and-SMS campaign whose first chunk went, then cancelled
    campaign_id = _campaign(shop, channel="both")
    start(campaign_id, by="mk-1", fired_for=None, ports=shop.ports)
    freeze(campaign_id, 1, shop.ports)
    first, _ = shop.queue.messages.pop(0)
    send_chunk(first, shop.ports)
    cancel(campaign_id, shop.ports)
    shop.queue.drain(lambda m: send_chunk(m, shop.ports))
    # Then the first chunk got one email and one SMS each, and nothing after the cancel
    assert len(shop.world.mailer.sent) == 100 and len(shop.world.sms.sent) == 100
    assert shop.campaigns.items[campaign_id].status is CampaignStatus.CANCELLED
    with pytest.raises(Conflict):
        resume(campaign_id, shop.ports)


def test_a_recurring_campaign_runs_once_per_firing_and_is_scheduled_again_after_each_run() -> None:
    # Given a weekly campaign, planned as a cron schedule whose firings carry their own id and time
    shop = _shop(vip=_people("v", 3))
    campaign_id = _campaign(shop, schedule={"cron": "0 9 ? * MON *", "timezone": "Asia/Shanghai"})
    kind, cron, due = shop.schedules.planned[f"campaign-{campaign_id}"]
    assert (kind, cron) == ("cron", "0 9 ? * MON *")
    assert due.detail["metadata"]["event_id"] == "<aws.scheduler.execution-id>"
    assert due.detail["data"]["fired_for"] == "<aws.scheduler.scheduled-time>"
    # When Monday's firing arrives twice, then next Monday's
    for fired_for in ("2026-12-07T01:00:00Z", "2026-12-07T01:00:00Z"):
        start(campaign_id, by="mk-1", fired_for=fired_for, ports=shop.ports)
        if shop.campaigns.items[campaign_id].status is CampaignStatus.SENDING:
            _run(shop, campaign_id)
    first = shop.campaigns.items[campaign_id]
    start(campaign_id, by="mk-1", fired_for="2026-12-14T01:00:00Z", ports=shop.ports)
    _run(shop, campaign_id)
    # Then two runs went, each recipient once per run, and the campaign waits for its next firing
    second = shop.campaigns.items[campaign_id]
    assert first.status is CampaignStatus.SCHEDULED and first.run is not None and first.run.number == 1
    assert second.status is CampaignStatus.SCHEDULED and second.run is not None and second.run.number == 2
    sent = [e.contact_id for e in shop.world.mailer.sent]
    assert sorted(sent) == sorted([f"v{i:03d}" for i in range(3)] * 2)
