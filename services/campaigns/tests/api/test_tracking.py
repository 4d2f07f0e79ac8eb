"""The open pixel and the click redirect against moto: public, signed, counted once
(Given/When/Then)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.testing import pending_outbox

CAMPAIGN, SOURCE, CONTACT = "cmp1", "campaign-cmp1-1", "c1"
HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605"
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


def _path(url: str) -> str:
    return url.split("/campaigns", 1)[1]


# What mail clients send for an image (Chalice, like API Gateway, answers bytes only to an Accept naming them).
ACCEPT = "image/webp,image/png,image/*;q=0.8,*/*;q=0.5"


def _get(client: Any, url: str, agent: str = HUMAN) -> Any:
    # No Authorization header: these are links in emails.
    return client.http.get(_path(url), headers={"User-Agent": agent, "Accept": ACCEPT})


def _counts() -> dict[str, int]:
    from campaigns.table.stats import read_counts

    return read_counts(CAMPAIGN)


def _events(table: str, detail_type: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == detail_type]


def _pixel(sent_at: datetime = AN_HOUR_AGO, contact_id: str = CONTACT) -> str:
    from campaigns.tracking.links import open_pixel_url

    return open_pixel_url(source=SOURCE, campaign_id=CAMPAIGN, contact_id=contact_id, sent_at=sent_at)


def _altered(url: str) -> str:
    head, _, mac = url.rpartition(".")
    return f"{head}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"


def test_a_person_opening_twice_counts_one_open_and_one_event(client: Any, table: str) -> None:
    # Given the pixel of an email sent an hour ago
    url = _pixel()
    # When a person's mail client fetches it twice, without a token
    first, second = _get(client, url), _get(client, url)
    # Then a GIF, never cached, both times
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/gif"
    assert first.body[:6] == b"GIF89a" and "no-store" in first.headers["Cache-Control"]
    assert second.status_code == 200
    # ... one unique open, two in total, one EmailOpened (human)
    counts = _counts()
    assert counts["opened"] == 1 and counts["opens"] == 2 and "opened.machine" not in counts
    (opened,) = _events(table, "EmailOpened")
    assert (opened["source"], opened["campaign_id"], opened["contact_id"], opened["machine"]) == (
        SOURCE,
        CAMPAIGN,
        CONTACT,
        False,
    )


def test_scanners_and_instant_fetches_are_machine_opens_counted_apart(client: Any, table: str) -> None:
    # Given one email fetched by Gmail's image proxy, another seconds after it was sent
    proxied, instant = _pixel(contact_id="c-proxy"), _pixel(datetime.now(UTC), contact_id="c-instant")
    # When both are fetched
    assert _get(client, proxied, "Mozilla/5.0 (Windows NT 5.1) (via ggpht.com GoogleImageProxy)").status_code == 200
    assert _get(client, instant).status_code == 200
    # Then two machine opens, no human one
    counts = _counts()
    assert counts["opened.machine"] == 2 and "opened" not in counts
    assert sorted(e["machine"] for e in _events(table, "EmailOpened")) == [True, True]
    # ... and the person opening the proxied email later is a human open still
    assert _get(client, proxied).status_code == 200
    assert _counts()["opened"] == 1


def test_a_click_redirects_only_to_the_signed_link_and_is_kept_for_attribution(client: Any, table: str) -> None:
    import boto3

    from campaigns.table.keys import click_key
    from campaigns.tracking.links import click_url

    # Given a link of an email
    target = "https://shop.example.com/sale?utm_source=crm&x=1"
    url = click_url(source=SOURCE, campaign_id=CAMPAIGN, contact_id=CONTACT, url=target, sent_at=AN_HOUR_AGO)
    # When it is followed twice
    first, second = _get(client, url), _get(client, url)
    # Then a 302 to exactly that link, each time
    assert (first.status_code, first.headers["Location"]) == (302, target)
    assert second.headers["Location"] == target
    # ... one unique click, one EmailClicked with the link, and the last click kept
    assert _counts()["clicked"] == 1 and _counts()["clicks"] == 2
    (clicked,) = _events(table, "EmailClicked")
    assert clicked["url"] == target and clicked["contact_id"] == CONTACT
    pk, sk = click_key(CONTACT, CAMPAIGN)
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )["Item"]
    assert item["campaign_id"]["S"] == CAMPAIGN and item["source"]["S"] == SOURCE


def test_a_forged_altered_or_misused_token_is_a_404_like_any_unknown_path(client: Any, table: str) -> None:
    from campaigns.tracking.links import click_url, unsubscribe_url

    # Given an altered pixel, a click token whose URL was swapped, and tokens of other kinds
    click = click_url(
        source=SOURCE, campaign_id=CAMPAIGN, contact_id=CONTACT, url="https://a.example", sent_at=AN_HOUR_AGO
    )
    payload, _, mac = click.rpartition("/")[2].partition(".")
    decoded = json.loads(__import__("base64").urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    swapped_payload = (
        __import__("base64")
        .urlsafe_b64encode(json.dumps({**decoded, "u": "https://evil.example"}, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )
    unsubscribe_token = unsubscribe_url(source=SOURCE, contact_id=CONTACT).rpartition("/")[2]
    pixel_token = _pixel().rpartition("/")[2]
    paths = [
        _path(_altered(_pixel())),
        f"/t/c/{swapped_payload}.{mac}",
        f"/t/c/{pixel_token}",  # an open token on the click route
        f"/t/o/{unsubscribe_token}",
        "/t/o/not-a-token",
        "/t/c/" + "A" * 3000,
    ]
    # When each is requested
    answers = [client.http.get(p, headers={"User-Agent": HUMAN}) for p in paths]
    # Then each is the edge's 404 for a path nobody serves, and nothing was recorded
    for path, answer in zip(paths, answers, strict=True):
        assert answer.status_code == 404, path
        body = json.loads(answer.body)
        assert (body["title"], body["detail"]) == ("Not Found", "no resource is served at this path"), path
        assert "Location" not in answer.headers
    assert _counts() == {} and _events(table, "EmailOpened") == [] and _events(table, "EmailClicked") == []


def test_track_links_rewrites_each_http_link_and_adds_the_pixel(client: Any) -> None:
    from campaigns.tracking.links import track_links, unsubscribe_url

    # Given an email with web links, a mailto, an anchor and the unsubscribe link
    unsubscribe = unsubscribe_url(source=SOURCE, contact_id=CONTACT)
    html = (
        '<html><body><p>Hi &amp; welcome</p><a href="https://shop.example.com/a?x=1&amp;y=2" class="b">Shop</a>'
        '<a href="mailto:help@example.com">Mail</a><a href="#top">Top</a>'
        f'<a href="{unsubscribe}">Unsubscribe</a><!-- keep --></body></html>'
    )
    # When its links are tracked
    tracked = track_links(html, source=SOURCE, campaign_id=CAMPAIGN, contact_id=CONTACT, sent_at=AN_HOUR_AGO)
    # Then the web link goes through the redirect, which leads back to it
    shop = tracked.split('href="', 1)[1].split('"', 1)[0]
    assert "/campaigns/t/c/" in shop and 'class="b"' in tracked
    answer = _get(client, shop.replace("&amp;", "&"))
    assert answer.headers["Location"] == "https://shop.example.com/a?x=1&y=2"
    # ... the rest is as it was, and the pixel sits before </body>
    assert (
        'href="mailto:help@example.com"' in tracked and 'href="#top"' in tracked and f'href="{unsubscribe}"' in tracked
    )
    assert "<p>Hi &amp; welcome</p>" in tracked and "<!-- keep -->" in tracked
    assert tracked.endswith('height="1" alt="" style="border:0;width:1px;height:1px"></body></html>')
    assert "/campaigns/t/o/" in tracked.rsplit("<img", 1)[1]
