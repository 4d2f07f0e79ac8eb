"""The demo's campaigns side, through the public API: consent recorded in contacts for most
of the demo's people (campaigns learns it from ConsentChanged), a newsletter template with
a Chinese variant, a campaign scheduled for next Monday 09:00 in Shanghai, and one sent
now to every consenting contact of the demo's segments, with its report. The welcome
journey runs on its own for every new lead.

Idempotent like the rest of the demo: consent is recorded once per person (the consent
history would grow otherwise), templates and campaigns are found by name.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.demo.client import Api
    from infra.local.demo.loader import Result

NEWSLETTER = {
    "name": "Demo newsletter",
    "subject": "{{ contact.first_name }}, this season's teas",
    "html": "<p>Hello {{ contact.first_name }},</p><p>Our new harvest is in. "
    "<a href='https://shop.example.com/new'>See what is new</a>.</p>"
    "<p><a href='{{ unsubscribe_url }}'>Unsubscribe</a></p>",
    "text": "Hello {{ contact.first_name }},\n\nOur new harvest is in: https://shop.example.com/new\n\n"
    "Unsubscribe: {{ unsubscribe_url }}\n",
    "locales": {
        "zh": {
            "subject": "{{ contact.first_name }} 本季新茶",
            "html": "<p>{{ contact.first_name }} 您好</p><p>新茶已到 "
            "<a href='https://shop.example.com/new'>查看新品</a></p>"
            "<p><a href='{{ unsubscribe_url }}'>退订</a></p>",
            "text": "{{ contact.first_name }} 您好\n新茶已到 https://shop.example.com/new\n"
            "退订 {{ unsubscribe_url }}\n",
        }
    },
}
CONSENTING = 3  # of every 4 people, the first three agree to marketing email
SENT_TIMEOUT_SECONDS = 60.0


def _found(api: Api, path: str, name: str) -> dict[str, Any] | None:
    return next((item for item in api.pages(path, "marketer") if item["name"] == name), None)


def _next_monday_nine() -> str:
    now = datetime.now(UTC)
    days = (7 - now.weekday()) % 7 or 7
    day = (now + timedelta(days=days)).date()
    return f"{day.isoformat()}T09:00:00+08:00"


def set_up_campaigns(api: Api, result: Result) -> dict[str, Any]:
    """Consent, the template, a scheduled and a sent campaign; the sent one's report."""
    for index, person in enumerate(result.data.people):
        if index % 4 >= CONSENTING:
            continue
        contact_id = result.contacts[person.email]
        given = api.get(f"/contacts/{contact_id}/consents", "manager")["history"]
        if not any(c["channel"] == "email" and c["purpose"] == "marketing" for c in given):
            body = {"channel": "email", "purpose": "marketing", "granted": True, "source": "web_form"}
            api.call("POST", f"/contacts/{contact_id}/consents", "manager", body)
            result.tally("consents", created=True)
        else:
            result.tally("consents", created=False)
    template = _found(api, "/campaigns/templates", str(NEWSLETTER["name"]))
    result.tally("templates", created=template is None)
    if template is None:
        template = api.call("POST", "/campaigns/templates", "marketer", NEWSLETTER).json()
    segments = list(result.segments.values())
    scheduled = _campaign(
        api,
        result,
        "Monday newsletter",
        template_id=template["id"],
        segments=segments,
        schedule={"at": _next_monday_nine()},
    )
    sent = _campaign(api, result, "Harvest announcement", template_id=template["id"], segments=segments, schedule=None)
    if sent["status"] == "draft":
        time.sleep(3)  # the recipient view catches up with the consents just recorded
        sent = api.call("POST", f"/campaigns/campaigns/{sent['id']}/send", "marketer").json()
    deadline = time.monotonic() + SENT_TIMEOUT_SECONDS
    while sent["status"] == "sending" and time.monotonic() < deadline:
        time.sleep(1)
        sent = api.get(f"/campaigns/campaigns/{sent['id']}", "marketer")
    report = api.get(f"/campaigns/campaigns/{sent['id']}/report", "manager")
    return {"scheduled": scheduled, "sent": sent, "report": report}


def _campaign(
    api: Api, result: Result, name: str, *, template_id: str, segments: list[str], schedule: dict[str, Any] | None
) -> dict[str, Any]:
    found = _found(api, "/campaigns/campaigns", name)
    result.tally("campaigns", created=found is None)
    if found is not None:
        return found
    body: dict[str, Any] = {"name": name, "template_id": template_id, "segment_ids": segments, "cost": 120.0}
    if schedule is not None:
        body["schedule"] = schedule
    created: dict[str, Any] = api.call("POST", "/campaigns/campaigns", "marketer", body).json()
    return created
