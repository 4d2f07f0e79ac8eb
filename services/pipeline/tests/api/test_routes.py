"""Pipeline routes and its consumer against moto's in-process AWS (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.sample_events import lead_created
from shared.testing import call, failed_ids, failed_positions, pending_outbox, sqs_event


def _add_rep(client: Any, name: str = "Grace", **extra: Any) -> dict[str, Any]:
    body = {"name": name, "email": f"{name.lower()}@example.com", **extra}
    response = call(client, "POST", "/reps", body, role="manager")
    assert response.status_code == 201, response.body
    return response.json


def _lead(client: Any, contact_id: str) -> Any:
    return call(client, "GET", f"/leads/{contact_id}", role="admin")


def _published(table: str, detail_type: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == detail_type]


def test_add_rep_returns_its_id_and_publishes_rep_added(client: Any, table: str) -> None:
    # When a manager adds a rep
    rep = _add_rep(client, territory="EMEA", capacity=3)
    # Then the rep has an id and defaults, and RepAdded waits in the outbox
    assert rep["id"] and rep["capacity"] == 3 and rep["territory"] == "EMEA" and rep["active"] is True
    published = {"rep_id": rep["id"], "name": "Grace", "territory": "EMEA", "capacity": 3, "territories": ["EMEA"]}
    assert [{k: e[k] for k in published} for e in _published(table, "RepAdded")] == [published]


def test_reps_are_listed_a_page_at_a_time(client: Any) -> None:
    # Given three reps
    ids = {_add_rep(client, name)["id"] for name in ("Ann", "Bob", "Cy")}
    # When they are read two at a time
    first = call(client, "GET", "/reps?limit=2", role="agent").json
    second = call(client, "GET", f"/reps?limit=2&cursor={first['next_cursor']}", role="agent").json
    # Then every rep is seen once
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert {r["id"] for r in first["items"] + second["items"]} == ids


def test_bad_rep_body_names_the_field(client: Any) -> None:
    body = {"name": "Grace", "email": "not-an-email", "capacity": 0}
    response = call(client, "POST", "/reps", body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"email", "capacity"}


def test_unknown_fields_are_rejected(client: Any) -> None:
    body = {"name": "Grace", "email": "g@example.com", "open_leads": 0}
    response = call(client, "POST", "/reps", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["open_leads"]


def test_routes_need_a_token_and_a_role(client: Any) -> None:
    assert client.http.get("/reps").status_code == 401
    body = {"name": "Grace", "email": "g@example.com"}
    assert call(client, "POST", "/reps", body, role="sales").status_code == 403
    assert call(client, "GET", "/reps", role="partner").status_code == 403


def test_unknown_lead_is_404(client: Any) -> None:
    response = _lead(client, "nobody")
    assert response.status_code == 404
    assert response.json["status"] == 404


def test_a_lead_delivered_three_times_gets_one_owner(client: Any, table: str) -> None:
    # Given two reps and a LeadCreated event
    _add_rep(client, "Ann")
    _add_rep(client, "Bob")
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    # When it is delivered three times (once as a duplicate inside one batch)
    for batch in ([event], [event, event]):
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event(batch))) == []
    # Then the lead has one owner, one rep carries it, and one LeadAssigned was published
    lead = _lead(client, contact_id).json
    assert lead["assignment"] == "assigned" and lead["owner_id"] and lead["assigned_at"]
    published = [{k: e[k] for k in ("contact_id", "owner_id", "rule")} for e in _published(table, "LeadAssigned")]
    assert published == [{"contact_id": contact_id, "owner_id": lead["owner_id"], "rule": "round_robin"}]
    reps = call(client, "GET", "/reps", role="sales").json["items"]
    assert sorted(r["open_leads"] for r in reps) == [0, 1]


def test_leads_alternate_between_reps(client: Any) -> None:
    ids = sorted(_add_rep(client, name)["id"] for name in ("Ann", "Bob"))
    events = [lead_created() for _ in range(3)]
    client.lambda_.invoke("on_event", sqs_event(events))
    owners = [_lead(client, e.detail["data"]["contact_id"]).json["owner_id"] for e in events]
    assert owners == [ids[0], ids[1], ids[0]]


def test_poison_records_fail_alone(client: Any) -> None:
    # Given a batch with a good event, a body that is not JSON and an event missing contact_id
    _add_rep(client)
    good = lead_created()
    broken = lead_created()
    del broken.detail["data"]["contact_id"]
    # When the consumer runs on a batch of the three
    # Then only the bad records are reported, and the good one is processed
    assert failed_positions(client, [good, "{not json", broken]) == [1, 2]
    assert _lead(client, good.detail["data"]["contact_id"]).json["assignment"] == "assigned"


def test_a_lead_without_reps_waits_until_a_rep_is_added(client: Any, table: str) -> None:
    # Given no reps when a lead arrives
    event = lead_created()
    contact_id = event.detail["data"]["contact_id"]
    client.lambda_.invoke("on_event", sqs_event([event]))
    waiting = _lead(client, contact_id).json
    assert (waiting["owner_id"], waiting["assignment"], waiting["status"]) == (None, "unassigned", "new")
    # When a rep is added and its RepAdded reaches our own consumer (twice)
    rep = _add_rep(client)
    rep_added = [e for e in pending_outbox(table) if e.detail_type == "RepAdded"]
    for _ in range(2):
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event(rep_added))) == []
    # Then the lead is assigned to the new rep, once
    assert _lead(client, contact_id).json["owner_id"] == rep["id"]
    assert len(_published(table, "LeadAssigned")) == 1


def test_two_consumers_cannot_take_the_same_turn(client: Any) -> None:
    # Given two consumers that read the same rotation cursor and chose the same rep
    import pytest

    from pipeline.assignment.choice import among, choose
    from pipeline.assignment.models import Assignment, Decision, DecisionKind
    from pipeline.bootstrap import assignment_repository
    from pipeline.leads.models import LeadFacts
    from shared.errors import Conflict

    _add_rep(client, "Ann")
    _add_rep(client, "Bob")
    repo = assignment_repository()
    choice = choose(repo.all_rules(), among(repo.all_reps()), repo.rotation, LeadFacts())
    assert choice.rep is not None and choice.rule is not None
    now = datetime.now(UTC)
    decision = Decision(kind=DecisionKind.ASSIGNED, owner_id=choice.rep.id, reason="test", decided_at=now)

    def assignment(contact_id: str) -> Assignment:
        fields = {"rep": choice.rep, "rule": choice.rule, "rotation": choice.rotation, "at": now}
        return Assignment(contact_id=contact_id, facts=LeadFacts(), decision=decision, **fields)

    # When both commit
    repo.assign(assignment("lead-1"), events=[])
    # Then the second is refused (it re-reads and takes the next turn instead)
    with pytest.raises(Conflict):
        repo.assign(assignment("lead-2"), events=[])
    assert repo.get_lead("lead-2") is None
    assert repo.rotation(None).version == 1


def test_a_full_rep_is_never_overfilled(client: Any) -> None:
    # Given a rep with room for one lead, read by two consumers at once
    from pipeline.bootstrap import assignment_repository

    _add_rep(client, "Ann", capacity=1)
    events = [lead_created() for _ in range(2)]
    # When two leads arrive
    client.lambda_.invoke("on_event", sqs_event(events))
    # Then the second waits
    statuses = [_lead(client, e.detail["data"]["contact_id"]).json["assignment"] for e in events]
    assert statuses == ["assigned", "unassigned"]
    assert [r.open_leads for r in assignment_repository().all_reps()] == [1]


def test_query_parameters_are_checked(client: Any) -> None:
    assert call(client, "GET", "/reps?limit=5", role="agent").status_code == 200
    for path, field in [("/reps?limit=101", "limit"), ("/reps?territory=west", "territory"), ("/leads/x?all=1", "all")]:
        response = call(client, "GET", path, role="agent")
        assert response.status_code == 400 and [e["field"] for e in response.json["errors"]] == [field], path
