"""Journeys over the API and the consumer (chalice test client + moto, Scheduler included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from pydantic import ConfigDict

from shared.events import Event, new_event
from shared.sample_events import lead_created
from shared.testing import call, failed_ids, sqs_event

GROUP = "crm-dev-campaigns"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    from campaigns import bootstrap

    monkeypatch.setattr(bootstrap, "journey_clock", lambda: lambda: NOW)
    return NOW


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def _schedules() -> list[dict[str, Any]]:
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    return [scheduler.get_schedule(Name=n, GroupName=GROUP) for n in names]


def test_the_builtins_are_there_from_a_fresh_install(client: Any) -> None:
    # When a marketer lists the journeys of a fresh install
    listed = call(client, "GET", "/journeys", role="marketer")
    # Then every built-in is there, at version 0, and the templates they send were seeded
    assert listed.status_code == 200
    ids = [j["id"] for j in listed.json["items"]]
    assert ids == ["welcome", "birthday", "win-back", "onboarding", "survey", "ticket-received", "coupon"]
    assert {j["version"] for j in listed.json["items"]} == {0}
    coupon = call(client, "GET", "/templates/coupon", role="marketer")
    assert coupon.status_code == 200 and "{{ coupon.code }}" in coupon.json["subject"]
    one = call(client, "GET", "/journeys/win-back", role="manager")
    assert one.headers["ETag"] == '"0"' and one.json["trigger"] == {"event": "SegmentEntered", "segment_id": "at-risk"}
    assert call(client, "GET", "/journeys/nope").status_code == 404


def test_a_journey_is_replaced_at_the_version_read(client: Any) -> None:
    body = {
        "name": "Win-back",
        "trigger": {"event": "SegmentEntered", "segment_id": "seg-42"},
        "steps": [{"delay": "PT0S", "template_id": "win-back"}, {"delay": 7 * 24 * 60, "template_id": "win-back"}],
        "stop_when": ["PurchaseRecorded", "SegmentExited"],
    }
    path = "/journeys/win-back"
    # No If-Match: 428; a stale one: 409; the one read: 200 with the next version
    assert call(client, "PUT", path, body, role="marketer").status_code == 428
    assert call(client, "PUT", path, body, role="marketer", headers={"If-Match": '"3"'}).status_code == 409
    done = call(client, "PUT", path, body, role="marketer", headers={"If-Match": '"0"'})
    assert done.status_code == 200 and done.headers["ETag"] == '"1"', done.json
    assert call(client, "GET", path).json["trigger"]["segment_id"] == "seg-42"
    # Staff who do not market read it, and may not change it
    assert call(client, "PUT", path, body, role="sales", headers={"If-Match": '"1"'}).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": [{"delay": "P2X", "template_id": "coupon"}]}, "steps.0.delay"),
        ({"steps": [{"delay": -1, "template_id": "coupon"}]}, "steps.0.delay"),
        ({"steps": [{"delay": 0, "template_id": "nope"}]}, "steps.0.template_id"),
        ({"trigger": {"event": "SegmentEntered"}}, "trigger"),
        ({"stop_when": ["Whenever"]}, "stop_when.0"),
        ({"steps": []}, "steps"),
    ],
)
def test_a_wrong_definition_is_a_422_naming_the_field(client: Any, change: dict[str, Any], field: str) -> None:
    body = {"name": "x", "trigger": {"event": "CouponIssued"}, "steps": [{"delay": 0, "template_id": "coupon"}]}
    answer = call(client, "PUT", "/journeys/coupon", {**body, **change}, headers={"If-Match": '"0"'})
    assert answer.status_code == 422, answer.json
    assert field in [e["field"] for e in answer.json["errors"]]


def test_a_custom_journey_is_added_once(client: Any) -> None:
    body = {
        "id": "vip-thanks",
        "name": "VIP thanks",
        "trigger": {"event": "OpportunityWon"},
        "steps": [{"delay": "P1D", "template_id": "onboarding", "channel": "both", "purpose": "transactional"}],
    }
    created = call(client, "POST", "/journeys", body, role="marketer")
    assert created.status_code == 201 and created.headers["ETag"] == '"1"' and created.json["builtin"] is False
    assert call(client, "POST", "/journeys", body, role="marketer").status_code == 409
    assert call(client, "POST", "/journeys", {**body, "id": "welcome"}, role="marketer").status_code == 409
    assert [j["id"] for j in call(client, "GET", "/journeys").json["items"]][-1] == "vip-thanks"


def test_a_lead_starts_the_welcome_journey_whose_step_is_scheduled_two_days_later(
    client: Any, fixed_clock: datetime
) -> None:
    # Given a new lead, When LeadCreated is delivered twice
    lead = lead_created(email="ada@example.com")
    contact_id = lead.detail["data"]["contact_id"]
    _deliver(client, lead)
    _deliver(client, lead_created(contact_id=contact_id, email="ada@example.com"))
    # Then one schedule puts the step's JourneyStepDue on the bus two days later
    [schedule] = _schedules()
    assert schedule["ScheduleExpression"] == "at(2030-01-04T03:04:05)"
    assert schedule["Target"]["EventBridgeParameters"]["DetailType"] == "JourneyStepDue"
    fired = json.loads(schedule["Target"]["Input"])["data"]
    assert (fired["journey_id"], fired["contact_id"], fired["step"]) == ("welcome", contact_id, 0)
    assert "ada@" not in schedule["Target"]["Input"]  # no address rides on the bus


class ContactUpdated(Event):
    """The shape crm.contacts publishes (the birthday's value: with the audience's change)."""

    model_config = ConfigDict(extra="allow")
    bus_source = "crm.contacts"

    contact_id: str
    changed: list[str]
    lifecycle_stage: str = "lead"


def test_a_birthday_told_by_contacts_plans_its_greeting_and_an_older_producer_changes_nothing(
    client: Any, fixed_clock: datetime
) -> None:
    # Given a ContactUpdated naming the birthday but without its value (today's contacts)
    _deliver(client, new_event(ContactUpdated(contact_id="c1", changed=["birthday"])))
    # Then nothing is planned (absent is not cleared)
    assert _schedules() == []
    # When one carries it
    _deliver(client, new_event(ContactUpdated(contact_id="c1", changed=["birthday"], birthday="1990-05-17")))
    # Then the next birthday's greeting is scheduled at 09:00 UTC
    [schedule] = _schedules()
    assert schedule["ScheduleExpression"] == "at(2030-05-17T09:00:00)"
    assert schedule["Target"]["EventBridgeParameters"]["DetailType"] == "BirthdayDue"
    assert json.loads(schedule["Target"]["Input"])["data"] == {"contact_id": "c1", "on": "2030-05-17"}
