"""No input answers a 500: forged cursors on every list route (shared.testing's edge checks,
over every route the app serves; loyalty takes no body)."""

from __future__ import annotations

from typing import Any

from shared.testing import lead_created, list_paths, refuses_forged_cursors, sqs_event


def test_every_list_route_refuses_forged_cursors(client: Any) -> None:
    from loyalty.api import app

    # Given a member (enrolled by a new lead)
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    client.lambda_.invoke("on_event", sqs_event([event]))
    lists = list_paths(client, app, {"contact_id": contact_id, "rule_id": "signup"})
    assert lists == [f"/members/{contact_id}/ledger"]
    for path in lists:
        refuses_forged_cursors(client, path)
