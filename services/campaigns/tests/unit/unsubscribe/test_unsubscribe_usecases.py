"""Opt-outs, with fakes (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime

from campaigns.tracking.links import open_pixel_url, unsubscribe_url
from campaigns.unsubscribe.usecases import read_token, unsubscribe
from services.campaigns.tests.unit.unsubscribe.fakes import FakeOptOuts

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _token(url: str) -> str:
    return url.rpartition("/")[2]


def test_a_campaigns_link_opts_out_of_marketing_once_and_counts_to_the_campaign() -> None:
    # Given a campaign's unsubscribe link
    opt_out = read_token(_token(unsubscribe_url(source="campaign-k-4", contact_id="c")))
    assert opt_out is not None
    repo = FakeOptOuts()
    # When it is used twice
    assert unsubscribe(opt_out, repo, clock=lambda: AT) is True
    assert unsubscribe(opt_out, repo, clock=lambda: AT) is False
    # Then one UnsubscribeRequested, for marketing email, counted to campaign k
    ((campaign_id, event),) = repo.recorded.values()
    assert campaign_id == "k" and event.detail_type == "UnsubscribeRequested"
    data = event.detail["data"]
    assert (data["contact_id"], data["channel"], data["purpose"], data["source"]) == (
        "c",
        "email",
        "marketing",
        "campaign-k-4",
    )


def test_only_an_unsubscribe_token_reads_as_an_opt_out() -> None:
    pixel = open_pixel_url(source="s", campaign_id=None, contact_id="c", sent_at=AT)
    assert read_token(_token(pixel)) is None and read_token("a.b") is None
    sms = read_token(_token(unsubscribe_url(source="journey-j-1", contact_id="c", channel="sms")))
    assert sms is not None and sms.channel == "sms"
