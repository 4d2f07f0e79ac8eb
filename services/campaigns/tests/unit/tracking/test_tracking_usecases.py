"""Opens, clicks and their tokens, with fakes (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns.table.keys import campaign_of
from campaigns.tracking.links import click_url, list_unsubscribe_headers, open_pixel_url
from campaigns.tracking.scanners import is_machine_open, is_scanner
from campaigns.tracking.usecases import record_click, record_open
from services.campaigns.tests.unit.tracking.fakes import FakeTracking

SENT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LATER = SENT + timedelta(minutes=30)
PERSON = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"


def _token(url: str) -> str:
    return url.rpartition("/")[2]


def test_a_person_opens_once_then_totals_grow_and_a_scanner_counts_apart() -> None:
    repo = FakeTracking()
    token = _token(open_pixel_url(source="campaign-k-1", campaign_id="k", contact_id="c", sent_at=SENT))
    # When a person opens twice and a scanner fetches once
    assert record_open(token, PERSON, repo, clock=lambda: LATER)
    assert record_open(token, PERSON, repo, clock=lambda: LATER)
    assert record_open(token, "Barracuda Sentinel (EE)", repo, clock=lambda: LATER)
    # Then two events (a human one, a machine one) and one more open in the totals
    assert [e.detail["data"]["machine"] for e in repo.events] == [False, True]
    assert repo.totals == {"opens": 1}


def test_a_token_of_another_kind_or_altered_opens_nothing() -> None:
    repo = FakeTracking()
    click = _token(click_url(source="s", campaign_id=None, contact_id="c", url="https://x.example", sent_at=SENT))
    assert record_open(click, PERSON, repo) is False
    assert record_open(click[:-1] + ("A" if click[-1] != "A" else "B"), PERSON, repo) is False
    assert record_click("x.y", repo) is None and repo.events == []


def test_a_click_gives_back_its_url_and_a_journeys_click_is_not_kept_for_attribution() -> None:
    repo = FakeTracking()
    campaign = _token(
        click_url(source="campaign-k-1", campaign_id="k", contact_id="c", url="https://a.example/x", sent_at=SENT)
    )
    journey = _token(
        click_url(source="journey-j-1", campaign_id=None, contact_id="c", url="https://b.example", sent_at=SENT)
    )
    assert record_click(campaign, repo, clock=lambda: LATER) == "https://a.example/x"
    assert record_click(journey, repo, clock=lambda: LATER) == "https://b.example"
    assert repo.last_click == {("c", "k"): LATER}


def test_machine_opens_by_agent_or_by_speed() -> None:
    assert is_scanner("Mozilla/5.0") and is_scanner(None) and is_scanner("x (via ggpht.com GoogleImageProxy)")
    assert not is_scanner(PERSON)
    assert is_machine_open(PERSON, SENT, SENT + timedelta(seconds=3))
    assert not is_machine_open(PERSON, SENT, SENT + timedelta(seconds=30))


def test_a_campaign_source_names_its_campaign_and_a_journey_none() -> None:
    assert campaign_of("campaign-7f3a-b2c1-3") == "7f3a-b2c1"
    assert campaign_of("journey-welcome-2") is None and campaign_of("campaign-x") is None


def test_the_one_click_headers_follow_rfc_8058() -> None:
    assert list_unsubscribe_headers("https://u.example/t") == {
        "List-Unsubscribe": "<https://u.example/t>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
