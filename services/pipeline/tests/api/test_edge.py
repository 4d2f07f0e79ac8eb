"""No input answers a 500: forged cursors on every list route, deep and oversized bodies on
every write route (shared.testing's edge checks, over every route the app serves)."""

from __future__ import annotations

from typing import Any

from shared.testing import list_paths, refuses_deep_and_oversized_bodies, refuses_forged_cursors

IDS = {
    "contact_id": "c1",
    "rep_id": "r1",
    "rule_id": "default",
    "opportunity_id": "o1",
    "approval_id": "a1",
    "task_id": "t1",
}


def test_every_list_route_refuses_forged_cursors(client: Any) -> None:
    from pipeline.api import app

    lists = list_paths(client, app, IDS)
    assert lists == ["/approvals", "/opportunities", "/reps", "/tasks", "/teams"]
    for path in lists:
        refuses_forged_cursors(client, path)


def test_every_write_route_refuses_deep_and_oversized_bodies(client: Any) -> None:
    from pipeline.api import app

    refuses_deep_and_oversized_bodies(client, app, IDS)
