"""No input answers a 500: forged cursors on every list route (shared.testing's edge checks,
over every route the app serves)."""

from __future__ import annotations

from typing import Any

from shared.sample_events import lead_created
from shared.testing import list_paths, refuses_forged_cursors, sqs_event


def test_every_list_route_refuses_forged_cursors(client: Any) -> None:
    from loyalty.api import app

    # Given a member (enrolled by a new lead)
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    client.lambda_.invoke("on_event", sqs_event([event]))
    ids = {"contact_id": contact_id, "rule_id": "signup", "reward_id": "r", "code": "C", "batch_id": "b"}
    lists = list_paths(client, app, ids)
    assert sorted(lists) == sorted([f"/members/{contact_id}/ledger", f"/members/{contact_id}/coupons", "/rewards"])
    for path in lists:
        refuses_forged_cursors(client, path)
