"""No input answers a 500: forged cursors on every list route, deep and oversized bodies on
every write route (shared.testing's edge checks, over every route the app serves)."""

from __future__ import annotations

from typing import Any

from shared.testing import list_paths, refuses_deep_and_oversized_bodies, refuses_forged_cursors

IDS: dict[str, str] = {
    "template_id": "t1",
    "contact_id": "c1",
    "campaign_id": "c1",
    "address": "nobody@example.com",
    "token": "not-a-token",
    "journey_id": "welcome",
}
QUERIES = {"/messages": "contact_id=c1"}


def test_every_list_route_refuses_forged_cursors(client: Any) -> None:
    from campaigns.api import app

    lists = list_paths(client, app, IDS, QUERIES)
    assert sorted(lists) == ["/campaigns", "/messages?contact_id=c1", "/templates"]
    for path in lists:
        refuses_forged_cursors(client, path)


def test_every_write_route_refuses_deep_and_oversized_bodies(client: Any) -> None:
    from campaigns.api import app

    refuses_deep_and_oversized_bodies(client, app, IDS)
