"""Campaigns' public links end to end, through the running stack: the signed click and
pixel, the one-click unsubscribe reaching contacts as consent, a bounce notification
(SNS -> SQS -> worker) suppressing the address, and a click then an order attributing
the revenue once (Given/When/Then)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.sample_events import purchase_recorded
from tests.e2e import aws, drain, eventually, headers, new_lead, publish, tap

pytestmark = pytest.mark.e2e

AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)
FEEDBACK_TOPIC = "crm-dev-campaigns-ses-feedback"


@contextmanager
def _as_the_stack(stack: Any) -> Iterator[None]:
    """Links signed as the stack's senders sign them: its stage's key, its public URL."""
    from shared.settings import DEV_AUTH_ENVIRONMENT, function_environment

    with function_environment({**DEV_AUTH_ENVIRONMENT, "CRM_STAGE": "dev", "CRM_PUBLIC_URL": stack.url}):
        yield


def _click_link(stack: Any, campaign_id: str, contact_id: str, url: str) -> str:
    from campaigns.tracking.links import click_url

    with _as_the_stack(stack):
        source = f"campaign-{campaign_id}-1"
        return click_url(source=source, campaign_id=campaign_id, contact_id=contact_id, url=url, sent_at=AN_HOUR_AGO)


def _stats(stack: Any, campaign_id: str) -> dict[str, int]:
    from campaigns.table.keys import stats_key

    pk, sk = stats_key(campaign_id)
    item = aws(stack, "dynamodb").get_item(
        TableName="crm-dev-campaigns", Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    return {k: int(v["N"]) for k, v in item.get("Item", {}).items() if "N" in v}


def test_a_signed_link_redirects_and_an_altered_one_is_the_404_of_an_unknown_path(stack: Any) -> None:
    from campaigns.tracking.links import open_pixel_url

    # Given an email's link and its pixel, as a sender signs them
    campaign_id = f"e2e-{uuid.uuid4().hex[:8]}"
    target = "https://shop.example.com/sale?x=1"
    link = _click_link(stack, campaign_id, "c-e2e", target)
    with _as_the_stack(stack):
        pixel = open_pixel_url(
            source=f"campaign-{campaign_id}-1", campaign_id=campaign_id, contact_id="c-e2e", sent_at=AN_HOUR_AGO
        )
    assert link.startswith(f"{stack.url}/campaigns/t/c/")
    # When the link is followed (no token, as from a mail client), the pixel fetched, and an altered link tried
    followed = stack.session.get(link, allow_redirects=False, timeout=30)
    fetched = stack.session.get(
        pixel, headers={"Accept": "image/*,*/*;q=0.8", "User-Agent": "Mozilla/5.0 (X11) Firefox/120"}, timeout=30
    )
    altered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    refused = stack.session.get(altered, allow_redirects=False, timeout=30)
    unknown = stack.session.get(f"{stack.url}/campaigns/t/c/nothing/here", timeout=30)
    # Then a 302 to the signed link, a GIF, and for the altered link exactly what an unknown path answers
    assert (followed.status_code, followed.headers["Location"]) == (302, target)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/gif"
    assert fetched.content.startswith(b"GIF89a")
    assert refused.status_code == 404 == unknown.status_code and "Location" not in refused.headers
    assert {k: v for k, v in refused.json().items() if k != "instance"} == {
        k: v for k, v in unknown.json().items() if k != "instance"
    }
    eventually(lambda: _stats(stack, campaign_id) == {"clicked": 1, "clicks": 1, "opened": 1, "opens": 1})


def test_one_click_unsubscribe_reaches_contacts_as_consent(stack: Any) -> None:
    from campaigns.tracking.links import unsubscribe_url

    # Given a lead, and the unsubscribe link of a campaign's email to them
    contact_id = str(new_lead(stack)["id"])
    with _as_the_stack(stack):
        url = unsubscribe_url(source="campaign-e2e-unsub-1", contact_id=contact_id)
    # When the mailbox provider POSTs the RFC 8058 one-click body, twice
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):
        answer = stack.session.post(url, data="List-Unsubscribe=One-Click", headers=form, timeout=30)
        assert answer.status_code == 200, answer.text
    # Then contacts holds marketing email as withdrawn, from the unsubscribe link, once
    consents_url = f"{stack.url}/contacts/{contact_id}/consents"

    def withdrawn() -> dict[str, Any] | None:
        view = stack.session.get(consents_url, headers=headers(stack, "marketer"), timeout=30).json()
        state = view["state"].get("email:marketing")
        return view if state and state["granted"] is False else None

    view = eventually(withdrawn)
    assert view["state"]["email:marketing"]["source"] == "unsubscribe_link"
    assert eventually(lambda: _stats(stack, "e2e-unsub")).get("unsubscribed") == 1
    assert len([h for h in view["history"] if h["source"] == "unsubscribe_link"]) == 1
    # ... and a forged link is a 404
    assert stack.session.post(url[:-3] + "AAA", data="", headers=form, timeout=30).status_code == 404


def test_a_bounce_notification_suppresses_the_address(stack: Any) -> None:
    # Given SES's notification of a permanent bounce, as SES publishes it to the identity's topic
    address = f"gone-{uuid.uuid4().hex[:8]}@example.com"
    notification = {
        "notificationType": "Bounce",
        "mail": {
            "messageId": f"ses-{uuid.uuid4()}",
            "timestamp": datetime.now(UTC).isoformat(),
            "destination": [address],
            "tags": {"source": ["campaign-e2e-bounce-1"], "contact_id": ["c-bounced"]},
        },
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"}],
            "feedbackId": f"fb-{uuid.uuid4()}",
            "timestamp": datetime.now(UTC).isoformat(),
        },
    }
    sns = aws(stack, "sns")
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(FEEDBACK_TOPIC))
    # When it goes through SNS to the feedback queue (twice: SNS delivers at least once)
    for _ in range(2):
        sns.publish(TopicArn=topic, Message=json.dumps(notification))
    # Then the address is suppressed as a bounce, counted once to its campaign
    lookup = f"{stack.url}/campaigns/suppressions/{address}"
    found = eventually(
        lambda: stack.session.get(lookup, headers=headers(stack, "marketer"), timeout=30).json().get("reason")
    )
    assert found == "bounce"
    eventually(lambda: _stats(stack, "e2e-bounce") == {"bounced": 1})


def test_a_click_then_an_order_attributes_the_revenue_once(stack: Any) -> None:
    # Given a contact who clicked a campaign's email, and a tap on CampaignConversion
    campaign_id, contact_id = f"e2e-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    conversions = tap(stack, {"source": ["crm.campaigns"], "detail-type": ["CampaignConversion"]})
    link = _click_link(stack, campaign_id, contact_id, "https://shop.example.com/")
    assert stack.session.get(link, allow_redirects=False, timeout=30).status_code == 302
    # When the contact's order is recorded, its event delivered twice and then once more under another id
    order_id = f"order-{uuid.uuid4().hex[:8]}"
    event = purchase_recorded(contact_id, order_id, "25.50")
    publish(stack, [event, event])
    publish(stack, [purchase_recorded(contact_id, order_id, "25.50")])
    # Then the campaign counts one conversion of 2,550 cents, and one CampaignConversion was published
    eventually(lambda: _stats(stack, campaign_id).get("conversions") == 1)
    published = drain(stack, conversions, wait=3.0)
    assert [e["detail"]["data"]["order_id"] for e in published] == [order_id]
    stats = _stats(stack, campaign_id)
    assert (stats["conversions"], stats["revenue_cents"]) == (1, 2550)
