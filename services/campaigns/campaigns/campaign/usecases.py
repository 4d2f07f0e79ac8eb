"""What the campaign feature does for its routes (tested with fakes): keep campaigns, plan
their schedules, and move them through their states; a run's own life (freeze, send,
complete, A/B) is runs.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from campaigns.audience.models import AudienceCount, Channel
from campaigns.campaign.models import (
    EDITABLE,
    FINAL,
    Campaign,
    CampaignChannel,
    CampaignIn,
    CampaignPage,
    CampaignPatch,
    CampaignStatus,
)
from campaigns.campaign.ports import CampaignPorts
from campaigns.events import CampaignDue, CampaignScheduled
from shared.errors import Conflict, StaleVersion, Unprocessable
from shared.events import Outgoing, new_event
from shared.inputs import patched
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found
from shared.schedules import EXECUTION_ID, SCHEDULED_TIME


def schedule_name(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


def channels(channel: CampaignChannel) -> list[Channel]:
    return [Channel.EMAIL, Channel.SMS] if channel is CampaignChannel.BOTH else [Channel(channel.value)]


def _check(data: CampaignIn, ports: CampaignPorts) -> None:
    errors = []
    if ports.templates.get(data.template_id) is None:
        errors.append({"field": "template_id", "message": f"no template {data.template_id}"})
    overlap = set(data.segment_ids) & set(data.exclude_segment_ids)
    if overlap:
        errors.append({"field": "exclude_segment_ids", "message": "a segment cannot be both targeted and excluded"})
    if data.schedule is not None and data.schedule.at is not None and data.schedule.at <= ports.clock():
        errors.append({"field": "schedule.at", "message": "the time has passed"})
    if errors:
        raise Unprocessable("the campaign cannot be kept", errors=errors)


def _planned(campaign: Campaign, ports: CampaignPorts) -> list[Outgoing]:
    """(Re)plan the campaign's schedule: one per campaign, replaced on every change."""
    ports.schedules.cancel(schedule_name(campaign.id))
    plan = campaign.schedule
    if plan is None or campaign.status is not CampaignStatus.SCHEDULED:
        return []
    if plan.at is not None:
        due = new_event(CampaignDue(campaign_id=campaign.id, fired_for=plan.at.isoformat()))
        ports.schedules.at(schedule_name(campaign.id), plan.at, due)
        announced = CampaignScheduled(campaign_id=campaign.id, at=plan.at.isoformat(), timezone=plan.timezone)
    else:
        assert plan.cron is not None
        due = new_event(CampaignDue(campaign_id=campaign.id, fired_for=SCHEDULED_TIME))
        # Each firing a new event (not the last one's duplicate), and says which time it is for.
        due.detail["metadata"]["event_id"] = EXECUTION_ID
        ports.schedules.cron(schedule_name(campaign.id), plan.cron, plan.timezone, due)
        announced = CampaignScheduled(campaign_id=campaign.id, cron=plan.cron, timezone=plan.timezone)
    return [new_event(announced)]


def add_campaign(data: CampaignIn, created_by: str, ports: CampaignPorts) -> Campaign:
    _check(data, ports)
    now = ports.clock()
    status = CampaignStatus.DRAFT if data.schedule is None else CampaignStatus.SCHEDULED
    campaign = Campaign(
        **data.model_dump(),
        id=uuid.uuid4().hex[:12],
        status=status,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    events = _planned(campaign, ports)
    ports.campaigns.save(campaign, None, events)
    return campaign


def get_campaign(campaign_id: str, ports: CampaignPorts) -> Campaign:
    campaign = ports.campaigns.get(campaign_id)
    if campaign is None:
        raise not_found("campaign", campaign_id)
    return campaign


def campaigns_page(ports: CampaignPorts, limit: int, cursor: str | None) -> CampaignPage:
    of = "campaigns/campaigns"
    items, last = ports.campaigns.page(limit, decode_cursor(cursor, of=of))
    return CampaignPage(items=items, next_cursor=encode_cursor(last, of=of))


def update_campaign(campaign_id: str, patch: CampaignPatch, version: int, ports: CampaignPorts) -> Campaign:
    current = get_campaign(campaign_id, ports)
    if current.version != version:
        raise StaleVersion(f"campaign {campaign_id} is at version {current.version}: read it again")
    if current.status not in EDITABLE:
        raise Conflict(f"a {current.status.value} campaign cannot be changed", status=current.status.value)
    data = patched(current, patch, CampaignIn)
    _check(data, ports)
    status = CampaignStatus.DRAFT if data.schedule is None else CampaignStatus.SCHEDULED
    campaign = Campaign.model_validate(
        {
            **current.model_dump(),
            **data.model_dump(),
            "status": status,
            "updated_at": ports.clock(),
            "version": version + 1,
        }
    )
    events = _planned(campaign, ports)
    ports.campaigns.save(campaign, version, events)
    return campaign


def move(campaign: Campaign, status: CampaignStatus, ports: CampaignPorts, **changes: object) -> Campaign:
    moved = campaign.model_copy(
        update={"status": status, "updated_at": ports.clock(), "version": campaign.version + 1, **changes}
    )
    ports.campaigns.save(moved, campaign.version)
    return moved


def pause(campaign_id: str, ports: CampaignPorts) -> Campaign:
    """Senders stop taking its chunks; what they were sending is settled; the rest waits."""
    campaign = get_campaign(campaign_id, ports)
    if campaign.status is CampaignStatus.PAUSED:
        return campaign
    if campaign.status is not CampaignStatus.SENDING:
        raise Conflict(f"only a sending campaign can be paused; this one is {campaign.status.value}")
    return move(campaign, CampaignStatus.PAUSED, ports)


def cancel(campaign_id: str, ports: CampaignPorts) -> Campaign:
    campaign = get_campaign(campaign_id, ports)
    if campaign.status is CampaignStatus.CANCELLED:
        return campaign
    if campaign.status in FINAL:
        raise Conflict(f"a {campaign.status.value} campaign cannot be cancelled")
    ports.schedules.cancel(schedule_name(campaign.id))
    return move(campaign, CampaignStatus.CANCELLED, ports)


def audience(campaign_id: str, ports: CampaignPorts) -> AudienceCount:
    campaign = get_campaign(campaign_id, ports)
    return ports.audience.count(campaign.segment_ids, campaign.exclude_segment_ids, channels(campaign.channel)[0])


def retry_after(now: datetime) -> int:
    """Seconds until the next UTC day, when daily quotas start again."""
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))
