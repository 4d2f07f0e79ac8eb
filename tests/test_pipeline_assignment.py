"""Sales assignment end to end, over HTTP through the running stack and its bus: territory
and least-loaded rules, away and off reps, the queue draining, concurrent duplicate
deliveries, and first-contact deadlines fired by the stack's scheduler.

These tests run on a stack of their own (``pipeline_stack``) without the catch-all rule,
each in its own country and team, so they neither see nor disturb one another's leads.
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e import aws, drain, eventually, headers, tap

pytestmark = pytest.mark.e2e


def call(stack: Any, method: str, path: str, body: Any = None, role: str = "admin", **extra: str) -> Any:
    sent = {**headers(stack, role, extra.pop("subject", None)), **extra}
    return stack.session.request(method, f"{stack.url}/pipeline{path}", json=body, headers=sent)


@pytest.fixture(scope="module")
def sales(pipeline_stack: Any) -> Any:
    """The stack, with the built-in catch-all rule deleted: a lead no rule matches waits."""
    response = call(pipeline_stack, "DELETE", "/assignment-rules/default")
    assert response.status_code in (204, 404), response.text
    return pipeline_stack


def team(stack: Any, *reps: tuple[str, int, list[str]]) -> tuple[str, list[str]]:
    """A new team with reps ``(name, capacity, territories)``; returns its id and the rep ids."""
    team_id = f"t-{uuid.uuid4().hex[:8]}"
    assert call(stack, "POST", "/teams", {"id": team_id, "name": team_id, "manager_id": "boss"}).status_code == 201
    ids = []
    for name, capacity, territories in reps:
        rep_id = f"{team_id}-{name}"
        body = {"id": rep_id, "name": name, "email": f"{rep_id}@example.com", "team_id": team_id}
        body |= {"capacity": capacity, "territories": territories}
        response = call(stack, "POST", "/reps", body, role="manager")
        assert response.status_code == 201, response.text
        ids.append(rep_id)
    return team_id, ids


def rule(stack: Any, team_id: str, country: str, strategy: str = "round_robin", **extra: Any) -> dict[str, Any]:
    body = {"name": f"{country} {strategy}", "position": 10, "strategy": strategy, "team_id": team_id}
    response = call(stack, "POST", "/assignment-rules", {**body, "when": {"countries": [country]}, **extra})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def lead(stack: Any, country: str) -> str:
    """A lead created in contacts (a real LeadCreated with its country) -> its id."""
    body = {
        "email": f"lead-{uuid.uuid4().hex[:10]}@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "address": {"country": country},
    }
    response = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "sales"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assignment(stack: Any, contact_id: str) -> dict[str, Any] | None:
    response = call(stack, "GET", f"/leads/{contact_id}/assignment")
    return response.json() if response.status_code == 200 else None


def owner(stack: Any, contact_id: str) -> str | None:
    view = eventually(lambda: assignment(stack, contact_id))
    return view["owner_id"]  # type: ignore[no-any-return]


def assigned(stack: Any, contact_id: str) -> str:
    return str(eventually(lambda: (assignment(stack, contact_id) or {}).get("owner_id")))


def loads(stack: Any, rep_ids: list[str]) -> dict[str, int]:
    return {rep_id: call(stack, "GET", f"/reps/{rep_id}").json()["open_leads"] for rep_id in rep_ids}


def set_status(stack: Any, rep_id: str, status: str) -> None:
    version = call(stack, "GET", f"/reps/{rep_id}").headers["ETag"]
    response = call(stack, "PATCH", f"/reps/{rep_id}", {"status": status}, **{"If-Match": version})
    assert response.status_code == 200, response.text


def test_territory_and_least_loaded_across_three_reps_of_different_capacity(sales: Any) -> None:
    # Given three Japan reps with room for 1, 2 and 3 leads, and a Korea rep, on one team
    team_id, (one, two, three, korea) = team(
        sales, ("a1", 1, ["JP"]), ("a2", 2, ["JP"]), ("a3", 3, ["JP"]), ("korea", 9, ["KR"])
    )  # round robin turns go in rep id order: a1, a2, a3
    rule(sales, team_id, "JP", "least_loaded")
    # When seven Japanese leads arrive, one after another
    owners = [assigned(sales, lead(sales, "JP")) for _ in range(6)]
    last = lead(sales, "JP")
    # Then each goes to the rep with the fewest open leads (ties in turn), never to Korea,
    # and when all are full the seventh waits, with the reason recorded
    assert owners == [one, two, three, two, three, three]
    assert loads(sales, [one, two, three, korea]) == {one: 1, two: 2, three: 3, korea: 0}
    waiting = eventually(lambda: assignment(sales, last))
    assert waiting["owner_id"] is None and "no eligible rep with room" in waiting["reason"]


def test_an_away_rep_gets_nothing_new_and_an_off_rep_hands_their_leads_back(sales: Any) -> None:
    watch = tap(sales, {"source": ["crm.pipeline"], "detail-type": ["LeadReassigned"]})
    team_id, (ana, bea) = team(sales, ("ana", 10, ["BR"]), ("bea", 10, ["BR"]))
    rule(sales, team_id, "BR")
    # When ana is away, two leads both go to bea
    set_status(sales, ana, "away")
    first, second = lead(sales, "BR"), lead(sales, "BR")
    assert [assigned(sales, first), assigned(sales, second)] == [bea, bea]
    # When ana is back and bea is off, bea's leads are handed to ana, each recorded
    set_status(sales, ana, "active")
    set_status(sales, bea, "off")
    eventually(lambda: owner(sales, first) == ana and owner(sales, second) == ana, timeout=30)
    assert eventually(lambda: loads(sales, [ana, bea]) == {ana: 2, bea: 0})
    history = [d["kind"] for d in assignment(sales, first)["history"]]  # type: ignore[index]
    assert history == ["assigned", "reassigned"]
    moved = [e["detail"]["data"] for e in drain(sales, watch, 2)]
    assert sorted(m["contact_id"] for m in moved if m["previous_owner_id"] == bea) == sorted([first, second])


def test_the_unassigned_queue_drains_when_a_rep_is_added(sales: Any) -> None:
    team_id, _ = team(sales)
    rule(sales, team_id, "IN")
    waiting = lead(sales, "IN")
    view = eventually(lambda: assignment(sales, waiting))
    assert view["owner_id"] is None and "no eligible rep" in view["reason"]
    body = {"id": f"{team_id}-ravi", "name": "Ravi", "email": f"{team_id}@example.com", "team_id": team_id}
    assert call(sales, "POST", "/reps", {**body, "territories": ["IN"]}, role="manager").status_code == 201
    assert assigned(sales, waiting) == f"{team_id}-ravi"


def _lead_created(contact_id: str, country: str) -> dict[str, Any]:
    from shared.events import new_event
    from shared.sample_events import LeadCreated

    event = LeadCreated(
        contact_id=contact_id, email=f"{contact_id}@example.com", first_name="A", last_name="B", country=country
    )
    return {"Source": "crm.contacts", "DetailType": "LeadCreated", "Detail": json.dumps(new_event(event).detail)}


def test_twenty_concurrent_deliveries_with_duplicates_give_one_owner_each_within_capacity(sales: Any) -> None:
    # Given three reps with room for 5 each (15 in all)
    team_id, reps = team(sales, ("a", 5, ["MX"]), ("b", 5, ["MX"]), ("c", 5, ["MX"]))
    rule(sales, team_id, "MX")
    # When 20 leads are delivered at once, each event twice (the same event id)
    ids = [str(uuid.uuid4()) for _ in range(20)]
    entries = [{**_lead_created(cid, "MX"), "EventBusName": f"crm-{sales.stage}"} for cid in ids]
    bus = aws(sales, "events")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda e: bus.put_events(Entries=[e]), entries + entries))
    assert all(r["FailedEntryCount"] == 0 for r in results)
    # Then 15 have exactly one owner (one assignment decision each), 5 wait, nobody is over capacity
    views = {cid: eventually(lambda cid=cid: assignment(sales, cid), timeout=60) for cid in ids}
    eventually(lambda: sum(loads(sales, reps).values()) == 15, timeout=60)
    time.sleep(2)  # the duplicates' time to be consumed
    views = {cid: assignment(sales, cid) for cid in ids}
    owned = [v for v in views.values() if v and v["owner_id"]]
    assert len(owned) == 15
    for view in views.values():
        kinds = [d["kind"] for d in view["history"]]  # type: ignore[index]
        assert kinds in (["assigned"], ["queued"]), kinds
    assert loads(sales, reps) == {rep: 5 for rep in reps}


def test_a_missed_first_contact_fires_once_and_a_timely_one_cancels_it(sales: Any) -> None:
    watch = tap(sales, {"source": ["crm.pipeline"], "detail-type": ["LeadFollowUpMissed"]})
    team_id, (rep_id,) = team(sales, ("kim", 10, ["AU"]))
    # A deadline of 0.0025 working hours (9 s) for a rep who works around the clock
    rule(sales, team_id, "AU", first_contact_hours=0.0025)
    missed, contacted = lead(sales, "AU"), lead(sales, "AU")
    for cid in (missed, contacted):
        assigned(sales, cid)
        eventually(lambda cid=cid: call(sales, "GET", f"/leads/{cid}").json()["first_contact_due"])
    # When the rep contacts the second lead in time
    etag = call(sales, "GET", f"/leads/{contacted}").headers["ETag"]
    patched = call(
        sales,
        "PATCH",
        f"/leads/{contacted}",
        {"status": "contacted"},
        role="sales",
        subject=rep_id,
        **{"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    # Then only the first is missed, once, with its manager told
    events = eventually(lambda: [e["detail"]["data"] for e in drain(sales, watch, 2)], timeout=40)
    time.sleep(4)
    events += [e["detail"]["data"] for e in drain(sales, watch, 2)]
    assert [(e["contact_id"], e["owner_id"], e["manager_id"]) for e in events] == [(missed, rep_id, "boss")]
    assert call(sales, "GET", f"/leads/{missed}").json()["follow_up_missed_at"]
    assert call(sales, "GET", f"/leads/{contacted}").json()["follow_up_missed_at"] is None
