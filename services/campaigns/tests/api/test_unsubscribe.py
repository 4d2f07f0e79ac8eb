"""The unsubscribe link against moto: a page on GET, the opt-out on POST (RFC 8058
one-click), recorded once; forged tokens are 404 (Given/When/Then)."""

from __future__ import annotations

import json
from typing import Any

from shared.testing import pending_outbox

SOURCE, CONTACT = "campaign-cmp9-2", "c9"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _link(source: str = SOURCE, channel: str = "email") -> str:
    from campaigns.tracking.links import unsubscribe_url

    return unsubscribe_url(source=source, contact_id=CONTACT, channel=channel).split("/campaigns", 1)[1]


def _requested(table: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == "UnsubscribeRequested"]


def test_the_page_records_nothing_and_its_button_posts_the_one_click_form(client: Any, table: str) -> None:
    # Given an email's unsubscribe link
    path = _link()
    # When it is opened (as a person, or a scanner following every link, would)
    page = client.http.get(path)
    # Then a page whose form POSTs the one-click body back to the link; nothing recorded
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert '<form method="post">' in html and 'name="List-Unsubscribe" value="One-Click"' in html
    assert _requested(table) == []


def test_one_click_unsubscribes_once_and_counts_it_to_the_campaign(client: Any, table: str) -> None:
    from campaigns.table.stats import read_counts

    # Given an email's unsubscribe link
    path = _link()
    # When the mailbox provider POSTs the one-click body, then the person the page's form, then an empty body
    answers = [
        client.http.post(path, headers=FORM, body="List-Unsubscribe=One-Click"),
        client.http.post(path, headers=FORM, body="List-Unsubscribe=One-Click"),
        client.http.post(path, headers={}, body=""),
    ]
    # Then 200 each time, one UnsubscribeRequested for marketing email, one count
    assert [a.status_code for a in answers] == [200, 200, 200]
    (requested,) = _requested(table)
    assert {k: requested[k] for k in ("contact_id", "channel", "purpose", "source")} == {
        "contact_id": CONTACT,
        "channel": "email",
        "purpose": "marketing",
        "source": SOURCE,
    }
    assert read_counts("cmp9")["unsubscribed"] == 1


def test_a_journeys_link_unsubscribes_without_campaign_counters(client: Any, table: str) -> None:
    from campaigns.table.stats import read_counts

    # Given a journey step's link for SMS
    path = _link("journey-welcome-2", "sms")
    # When it is posted
    assert client.http.post(path, headers=FORM, body="List-Unsubscribe=One-Click").status_code == 200
    # Then the opt-out is for SMS, and no campaign counts it
    assert [(e["channel"], e["source"]) for e in _requested(table)] == [("sms", "journey-welcome-2")]
    assert read_counts("welcome") == {}


def test_a_forged_or_altered_link_is_a_404_and_records_nothing(client: Any, table: str) -> None:
    from campaigns.tracking.links import open_pixel_url

    # Given an altered link, a made-up one and a pixel's token
    path = _link()
    altered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    pixel = open_pixel_url(
        source=SOURCE, campaign_id="cmp9", contact_id=CONTACT, sent_at=__import__("datetime").datetime.now()
    )
    tokens = [altered, "/unsubscribe/forged.token", "/unsubscribe/" + pixel.rpartition("/")[2]]
    # When each is opened and posted
    for token_path in tokens:
        for answer in (client.http.get(token_path), client.http.post(token_path, headers=FORM, body="")):
            # Then the 404 of a path nobody serves
            assert answer.status_code == 404, token_path
            assert json.loads(answer.body)["detail"] == "no resource is served at this path"
    assert _requested(table) == []
