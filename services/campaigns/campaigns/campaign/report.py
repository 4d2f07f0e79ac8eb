"""GET /campaigns/{id}/report: the campaign's numbers, read from its counters (table/stats.py),
one item for the campaign and one per A/B variant: no send record is read."""

from __future__ import annotations

from pydantic import BaseModel, Field

from campaigns.campaign.models import Campaign
from campaigns.campaign.ports import CampaignPorts
from campaigns.campaign.runs import VARIANTS
from campaigns.campaign.usecases import get_campaign


class Opens(BaseModel):
    human: int
    machine: int = Field(description="Opens by mail scanners and privacy proxies, counted apart")


class Numbers(BaseModel):
    sent: int
    sent_by_channel: dict[str, int]
    skipped: dict[str, int] = Field(description="Recipients sent nothing, by reason")
    failed: dict[str, int] = Field(description="Sends the provider refused, by reason")
    delivered: int = Field(description="Sent and not bounced")
    bounced: int
    complained: int
    opened: Opens
    clicked: int
    unsubscribed: int
    open_rate: float = Field(description="Human opens per email delivered")
    click_rate: float = Field(description="Clicks per email delivered")


class Report(Numbers):
    campaign_id: str
    status: str
    audience: int | None = Field(description="The current run's frozen audience (None before it starts)")
    settled: int = Field(
        description="Recipients settled: sent, skipped or failed; equals audience times channels when done"
    )
    conversions: int
    revenue: float
    cost: float | None
    roi: float | None = Field(description="(revenue - cost) / cost, when the cost is known")
    variants: dict[str, Numbers] = Field(default_factory=dict)


def _by(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in counts.items() if k.startswith(prefix) and v}


def _numbers(counts: dict[str, int]) -> Numbers:
    by_channel = _by(counts, "sent.")
    sent = sum(by_channel.values())
    bounced = counts.get("bounced", 0)
    delivered = max(0, by_channel.get("email", 0) - bounced)
    machine = counts.get("opened.machine", 0)
    human = counts.get("opened", 0)
    return Numbers(
        sent=sent,
        sent_by_channel=by_channel,
        skipped=_by(counts, "skipped."),
        failed=_by(counts, "failed."),
        delivered=delivered,
        bounced=bounced,
        complained=counts.get("complained", 0),
        opened=Opens(human=human, machine=machine),
        clicked=counts.get("clicked", 0),
        unsubscribed=counts.get("unsubscribed", 0),
        open_rate=round(human / delivered, 4) if delivered else 0.0,
        click_rate=round(counts.get("clicked", 0) / delivered, 4) if delivered else 0.0,
    )


def report(campaign_id: str, ports: CampaignPorts) -> Report:
    campaign: Campaign = get_campaign(campaign_id, ports)
    counts = ports.counts(campaign_id, None)
    revenue = counts.get("revenue_cents", 0) / 100
    cost = campaign.cost
    variants = {}
    if campaign.ab_test is not None:
        variants = {v: _numbers(ports.counts(campaign_id, v)) for v in VARIANTS[: len(campaign.ab_test.subjects)]}
    return Report(
        **_numbers(counts).model_dump(),
        campaign_id=campaign_id,
        status=campaign.status.value,
        audience=campaign.run.audience if campaign.run else None,
        settled=counts.get("settled", 0),
        conversions=counts.get("conversions", 0),
        revenue=revenue,
        cost=cost,
        roi=round((revenue - cost) / cost, 4) if cost else None,
        variants=variants,
    )
