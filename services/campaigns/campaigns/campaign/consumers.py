"""The campaign feature's reactions to its own events: a schedule's firing starts a run, a
started run's audience is frozen, an A/B test's wait ends in its winner (thin, like routes)."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.inbound import AbTestDueIn, CampaignDueIn, CampaignStartedIn
from shared.events import Envelope


def on_campaign_due(envelope: Envelope[CampaignDueIn]) -> None:
    from campaigns.campaign.runs import start

    ports = bootstrap.campaign_ports()
    campaign = ports.campaigns.get(envelope.data.campaign_id)
    if campaign is not None:
        start(campaign.id, by=campaign.created_by, fired_for=envelope.data.fired_for, ports=ports)


def on_campaign_started(envelope: Envelope[CampaignStartedIn]) -> None:
    from campaigns.campaign.runs import freeze

    freeze(envelope.data.campaign_id, envelope.data.run, bootstrap.campaign_ports())


def on_ab_test_due(envelope: Envelope[AbTestDueIn]) -> None:
    from campaigns.campaign.runs import decide

    decide(envelope.data.campaign_id, envelope.data.run, bootstrap.campaign_ports())
