"""The campaign feature's HTTP routes: each parses, calls one use case, maps the result.
Marketers and admins manage campaigns; every other staff role reads them and their reports."""

from __future__ import annotations

from pydantic import Field

from campaigns import bootstrap
from campaigns.audience.models import AudienceCount
from campaigns.campaign.models import Campaign, CampaignIn, CampaignPage, CampaignPatch
from campaigns.campaign.report import Report
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, RequestModel, etag, parse_if_match

router = Router()

MANAGERS = frozenset({Role.ADMIN, Role.MARKETER})


class SendingLimits(RequestModel):
    """Recipients that may be launched per UTC day, by the whole account and by one marketer."""

    account: int = Field(ge=0, le=10_000_000)
    marketer: int = Field(ge=0, le=10_000_000)


@router.route("/campaigns", methods=["POST"], roles=MANAGERS, body=CampaignIn, status=201, response=Campaign)
def add_campaign(ctx: Ctx) -> Reply:
    from campaigns.campaign.usecases import add_campaign as add

    campaign = add(ctx.body, ctx.principal.subject, bootstrap.campaign_ports())
    return Reply(campaign, 201, etag(campaign.version))


@router.route("/campaigns", roles=STAFF, query=PageQuery)
def list_campaigns(ctx: Ctx) -> CampaignPage:
    from campaigns.campaign.usecases import campaigns_page

    params: PageQuery = ctx.params
    return campaigns_page(bootstrap.campaign_ports(), params.limit, params.cursor)


@router.route("/campaigns/{campaign_id}", roles=STAFF, response=Campaign)
def get_campaign(ctx: Ctx, campaign_id: str) -> Reply:
    from campaigns.campaign.usecases import get_campaign as get

    campaign = get(campaign_id, bootstrap.campaign_ports())
    return Reply(campaign, 200, etag(campaign.version))


@router.route("/campaigns/{campaign_id}", methods=["PATCH"], roles=MANAGERS, body=CampaignPatch, response=Campaign)
def update_campaign(ctx: Ctx, campaign_id: str) -> Reply:
    from campaigns.campaign.usecases import update_campaign as update

    version = parse_if_match(ctx.header("if-match"), f"campaign {campaign_id}")
    campaign = update(campaign_id, ctx.body, version, bootstrap.campaign_ports())
    return Reply(campaign, 200, etag(campaign.version))


@router.route("/campaigns/{campaign_id}/send", methods=["POST"], roles=MANAGERS, status=202, response=Campaign)
def send_campaign(ctx: Ctx, campaign_id: str) -> Reply:
    from campaigns.campaign.runs import start

    campaign = start(campaign_id, by=ctx.principal.subject, fired_for=None, ports=bootstrap.campaign_ports())
    return Reply(campaign, 202, etag(campaign.version))


@router.route("/campaigns/{campaign_id}/pause", methods=["POST"], roles=MANAGERS, response=Campaign)
def pause_campaign(ctx: Ctx, campaign_id: str) -> Reply:
    from campaigns.campaign.usecases import pause

    campaign = pause(campaign_id, bootstrap.campaign_ports())
    return Reply(campaign, 200, etag(campaign.version))


@router.route("/campaigns/{campaign_id}/resume", methods=["POST"], roles=MANAGERS, response=Campaign)
def resume_campaign(ctx: Ctx, campaign_id: str) -> Reply:
    from campaigns.campaign.runs import resume

    campaign = resume(campaign_id, bootstrap.campaign_ports())
    return Reply(campaign, 200, etag(campaign.version))


@router.route("/campaigns/{campaign_id}/cancel", methods=["POST"], roles=MANAGERS, response=Campaign)
def cancel_campaign(ctx: Ctx, campaign_id: str) -> Reply:
    from campaigns.campaign.usecases import cancel

    campaign = cancel(campaign_id, bootstrap.campaign_ports())
    return Reply(campaign, 200, etag(campaign.version))


@router.route("/campaigns/{campaign_id}/audience", roles=MANAGERS)
def campaign_audience(ctx: Ctx, campaign_id: str) -> AudienceCount:
    from campaigns.campaign.usecases import audience

    return audience(campaign_id, bootstrap.campaign_ports())


@router.route("/campaigns/{campaign_id}/report", roles=STAFF)
def campaign_report(ctx: Ctx, campaign_id: str) -> Report:
    from campaigns.campaign.report import report

    return report(campaign_id, bootstrap.campaign_ports())


@router.route("/sending-limits", roles=MANAGERS)
def get_limits(ctx: Ctx) -> SendingLimits:
    from campaigns.campaign.runs import sending_limits

    return SendingLimits.model_validate(sending_limits(bootstrap.campaign_ports()))


@router.route("/sending-limits", methods=["PUT"], roles=frozenset({Role.ADMIN}), body=SendingLimits)
def put_limits(ctx: Ctx) -> SendingLimits:
    limits: SendingLimits = ctx.body
    bootstrap.campaign_ports().campaigns.put_limits(limits.model_dump())
    return limits
