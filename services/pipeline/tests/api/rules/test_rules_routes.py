"""Assignment rules over the API (chalice test client + moto): the ordered list, its
default, If-Match, validation, and what the engine decides from it."""

from __future__ import annotations

from typing import Any

from shared.sample_events import lead_created
from shared.testing import call, failed_ids, pending_outbox, sqs_event


def _rule(client: Any, role: str = "admin", **body: Any) -> Any:
    return call(client, "POST", "/assignment-rules", {"strategy": "round_robin", **body}, role=role)


def _rep(client: Any, rep_id: str, **extra: Any) -> None:
    body = {"id": rep_id, "name": rep_id, "email": f"{rep_id}@example.com", **extra}
    assert call(client, "POST", "/reps", body, role="manager").status_code == 201


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def test_a_fresh_install_has_one_catch_all_rule(client: Any) -> None:
    listed = call(client, "GET", "/assignment-rules", role="sales").json
    assert [(r["id"], r["strategy"]) for r in listed["items"]] == [("default", "round_robin")]
    assert set(listed["items"][0]["when"].values()) == {None}  # no condition: matches every lead
    assert call(client, "GET", "/assignment-rules/default", role="agent").headers["ETag"] == '"1"'


def test_rules_are_listed_in_order_and_the_default_stays_until_deleted(client: Any) -> None:
    # Given two rules stored out of order
    second = _rule(client, name="Asia", position=20, when={"countries": ["cn", "SG"]}).json
    first = _rule(client, name="VIP", position=10, when={"min_score": 80}, strategy="least_loaded").json
    # Then the list is by position, and the default (stored on the first write) is last
    ids = [r["id"] for r in call(client, "GET", "/assignment-rules").json["items"]]
    assert ids == [first["id"], second["id"], "default"]
    assert second["when"]["countries"] == ["CN", "SG"]
    # When the default is deleted, it is gone for good (not brought back by the next write)
    assert call(client, "DELETE", "/assignment-rules/default").status_code == 204
    _rule(client, name="Late", position=30)
    assert "default" not in [r["id"] for r in call(client, "GET", "/assignment-rules").json["items"]]
    assert call(client, "GET", "/assignment-rules/default").status_code == 404


def test_a_rule_changes_with_if_match_only(client: Any) -> None:
    rule = _rule(client, name="DE", position=1, when={"countries": ["DE"]}).json
    path = f"/assignment-rules/{rule['id']}"
    assert call(client, "PATCH", path, {"position": 5}).status_code == 428
    changed = call(client, "PATCH", path, {"position": 5}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json["position"] == 5 and changed.headers["ETag"] == '"2"'
    stale = call(client, "PATCH", path, {"position": 6}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert call(client, "DELETE", path, headers={"If-Match": '"1"'}).status_code == 409
    assert call(client, "DELETE", path, headers={"If-Match": '"2"'}).status_code == 204


def test_bad_rules_name_the_field(client: Any) -> None:
    cases = [
        ({"name": "x", "position": 1, "strategy": "fixed"}, "rep_id"),
        ({"name": "x", "position": 1, "rep_id": "r1"}, "rep_id"),
        ({"name": "x", "position": 1, "team_id": "nope"}, "team_id"),
        ({"name": "x", "position": 1, "strategy": "fixed", "rep_id": "nobody"}, "rep_id"),
        ({"name": "x", "position": 1, "when": {"countries": ["Germany"]}}, "when.countries.0"),
        ({"name": "x", "position": 1, "when": {"min_score": 101}}, "when.min_score"),
        ({"name": "x", "position": -1}, "position"),
        ({"name": "x", "position": 1, "strategy": "random"}, "strategy"),
    ]
    for body, field in cases:
        response = _rule(client, **body)
        assert response.status_code == 422, (body, response.json)
        assert field in [e["field"] for e in response.json["errors"]], (body, response.json)


def test_only_admins_and_managers_write_rules(client: Any) -> None:
    assert _rule(client, role="sales", name="x", position=1).status_code == 403
    assert _rule(client, role="manager", name="x", position=1).status_code == 201


def test_leads_follow_the_rules_and_every_decision_is_recorded(client: Any, table: str) -> None:
    # Given a German team with one rep, a rule for Germany, and no catch-all
    call(client, "POST", "/teams", {"id": "dach", "name": "DACH"})
    _rep(client, "hans", team_id="dach", territories=["DE"])
    _rep(client, "paul", territories=["FR"])
    _rule(client, name="Germany", position=1, team_id="dach", when={"countries": ["DE"]}, first_contact_hours=24)
    assert call(client, "DELETE", "/assignment-rules/default").status_code == 204
    # When a German and a French lead arrive
    de, fr = lead_created(country="DE", source="web"), lead_created(country="FR")
    _deliver(client, de, fr)
    # Then the German lead is Hans's by the rule, with the reason; the French one waits, told
    de_id, fr_id = de.detail["data"]["contact_id"], fr.detail["data"]["contact_id"]
    view = call(client, "GET", f"/leads/{de_id}/assignment").json
    assert (view["owner_id"], view["strategy"]) == ("hans", "round_robin")
    assert view["reason"].startswith("rule 'Germany': round robin") and len(view["history"]) == 1
    waiting = call(client, "GET", f"/leads/{fr_id}/assignment").json
    assert waiting["owner_id"] is None and waiting["reason"] == "no assignment rule matched the lead"
    published = {e.detail_type: e.detail["data"] for e in pending_outbox(table) if e.detail_type.startswith("Lead")}
    assert published["LeadAssigned"]["first_contact_hours"] == 24
    assert published["LeadQueued"]["contact_id"] == fr_id
    # And a sales rep reaches only their own lead's assignment
    assert call(client, "GET", f"/leads/{de_id}/assignment", role="sales", subject="hans").status_code == 200
    assert call(client, "GET", f"/leads/{de_id}/assignment", role="sales", subject="paul").status_code == 404


def test_a_rep_set_off_hands_on_their_leads(client: Any, table: str) -> None:
    # Given two reps and two leads, one each
    _rep(client, "ann")
    _rep(client, "bob")
    leads = [lead_created() for _ in range(2)]
    _deliver(client, *leads)
    ann_lead = next(e.detail["data"]["contact_id"] for e in leads if _owner(client, e) == "ann")
    # When ann is set off (RepUpdated goes through the consumer, twice: a redelivery)
    version = call(client, "GET", "/reps/ann").headers["ETag"]
    assert call(client, "PATCH", "/reps/ann", {"status": "off"}, headers={"If-Match": version}).status_code == 200
    updated = [e for e in pending_outbox(table) if e.detail_type == "RepUpdated"]
    _deliver(client, *updated)
    _deliver(client, *updated)
    # Then her lead is bob's, recorded as a re-assignment, and her load is zero
    view = call(client, "GET", f"/leads/{ann_lead}/assignment").json
    assert view["owner_id"] == "bob" and [d["kind"] for d in view["history"]] == ["assigned", "reassigned"]
    reps = {r["id"]: r["open_leads"] for r in call(client, "GET", "/reps").json["items"]}
    assert reps == {"ann": 0, "bob": 2}
    assert len([e for e in pending_outbox(table) if e.detail_type == "LeadReassigned"]) == 1


def _owner(client: Any, event: Any) -> Any:
    return call(client, "GET", f"/leads/{event.detail['data']['contact_id']}").json["owner_id"]
