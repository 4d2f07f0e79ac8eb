"""campaigns' composition root: the only place its repositories and the SES mailer are built."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campaigns.attribution.repository import AttributionRepository
    from campaigns.audience.models import Channel
    from campaigns.audience.repository import AudienceRepository
    from campaigns.bounces.repository import FeedbackRepository
    from campaigns.campaign.ports import CampaignPorts
    from campaigns.campaign.repository import CampaignRepository
    from campaigns.delivery.limiter import TokenBucket
    from campaigns.delivery.mailer import BulkMailer
    from campaigns.delivery.sms import SmsSender
    from campaigns.journeys.repository import BirthdayRepository, JourneyRepository, RunRepository
    from campaigns.journeys.usecases import Clock, JourneyPorts, Sender
    from campaigns.messages.mailer import SesMailer
    from campaigns.messages.repository import MessageRepository
    from campaigns.sending.usecases import SendPorts
    from campaigns.suppression.repository import SuppressionRepository
    from campaigns.templates.repository import TemplateRepository
    from campaigns.tracking.repository import TrackingRepository
    from campaigns.unsubscribe.repository import OptOutRepository
    from shared.owners import OwnerStore


@cache
def message_repository() -> MessageRepository:
    from campaigns.messages.repository import MessageRepository

    return MessageRepository()


@cache
def mailer() -> SesMailer:
    from campaigns.messages.mailer import SesMailer

    return SesMailer()


@cache
def contact_owners() -> OwnerStore:
    from campaigns.messages.repository import contact_owners as owners

    return owners()


@cache
def templates() -> TemplateRepository:
    from campaigns.templates.repository import TemplateRepository

    return TemplateRepository()


@cache
def journeys() -> JourneyRepository:
    from campaigns.journeys.repository import JourneyRepository

    return JourneyRepository()


@cache
def journey_runs() -> RunRepository:
    from campaigns.journeys.repository import RunRepository

    return RunRepository()


@cache
def birthdays() -> BirthdayRepository:
    from campaigns.journeys.repository import BirthdayRepository

    return BirthdayRepository()


def journey_ports() -> JourneyPorts:
    """The journeys' ports: definitions, runs, one-time schedules, the sending core, templates."""
    from campaigns.journeys.usecases import JourneyPorts
    from shared import schedules

    return JourneyPorts(journeys(), journey_runs(), schedules, journey_sender(), templates(), journey_clock())


def journey_clock() -> Clock:
    """The journeys' time (a test fixes it here)."""
    from campaigns.journeys.usecases import utc_now

    return utc_now


def journey_sender() -> Sender:
    """A journey step's sends go through the sending core, like a campaign's."""
    from campaigns.sending.usecases import send

    return lambda request: send(request, send_ports())


@cache
def bulk_mailer() -> BulkMailer:
    from campaigns.delivery.mailer import BulkMailer

    return BulkMailer()


@cache
def sms_sender() -> SmsSender:
    from campaigns.delivery.sms import SmsSender

    return SmsSender()


@cache
def limiter(channel: Channel) -> TokenBucket:
    """The channel's send-rate bucket (``CRM_<CHANNEL>_SEND_RATE``), shared by every sender."""
    from campaigns.delivery.limiter import TokenBucket
    from shared.settings import get_settings

    return TokenBucket(f"send-{channel.value}", get_settings().send_rate(channel.value))


def audience() -> AudienceRepository:
    from campaigns.audience.repository import AudienceRepository

    return AudienceRepository()


def tracking() -> TrackingRepository:
    from campaigns.tracking.repository import TrackingRepository

    return TrackingRepository()


@cache
def opt_outs() -> OptOutRepository:
    from campaigns.unsubscribe.repository import OptOutRepository

    return OptOutRepository()


@cache
def suppressions() -> SuppressionRepository:
    from campaigns.suppression.repository import SuppressionRepository

    return SuppressionRepository()


@cache
def feedback_log() -> FeedbackRepository:
    from campaigns.bounces.repository import FeedbackRepository

    return FeedbackRepository()


@cache
def attributions() -> AttributionRepository:
    from campaigns.attribution.repository import AttributionRepository

    return AttributionRepository()


@cache
def campaigns() -> CampaignRepository:
    from campaigns.campaign.repository import CampaignRepository

    return CampaignRepository()


@cache
def send_ports() -> SendPorts:
    """The sending core's ports: the recipient view, suppression, send records, providers,
    the shared rate limiter and the links every email carries."""
    from campaigns.sending.repository import SendRepository
    from campaigns.sending.usecases import SendPorts
    from campaigns.templates.rendering import render
    from campaigns.tracking import links

    return SendPorts(
        templates=templates(),
        recipients=audience(),
        suppressed=suppressions().suppressed,
        sends=SendRepository(),
        mailer=bulk_mailer(),
        sms=sms_sender(),
        limiter=limiter,
        links=links,  # a module holding the protocol's functions
        render=render,
    )


@cache
def campaign_ports() -> CampaignPorts:
    from campaigns.audience.usecases import SegmentAudience
    from campaigns.campaign.ports import CampaignPorts
    from campaigns.campaign.repository import CampaignSchedules, SendQueue
    from campaigns.sending.usecases import send
    from campaigns.table.stats import read_counts

    return CampaignPorts(
        campaigns=campaigns(),
        templates=templates(),
        audience=SegmentAudience(audience(), suppressions().suppressed),
        queue=SendQueue(),
        schedules=CampaignSchedules(),
        send=lambda request: send(request, send_ports()),
        counts=read_counts,
    )
