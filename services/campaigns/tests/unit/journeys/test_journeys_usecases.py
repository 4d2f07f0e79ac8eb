"""The journeys' runs with fakes and a fixed clock (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from campaigns.events import JourneyStepDue
from campaigns.journeys.birthdays import birthday_changed, birthday_due, birthday_schedule, next_birthday
from campaigns.journeys.defaults import BUILTIN, TEMPLATES
from campaigns.journeys.models import JourneyIn, JourneyNew, RunStatus, Step, StopEvent, TriggerEvent
from campaigns.journeys.usecases import (
    add_journey,
    all_journeys,
    replace_journey,
    step_due,
    step_schedule,
    stop,
    trigger,
)
from services.campaigns.tests.unit.journeys.fakes import FakeBirthdays, World
from shared.errors import Conflict, StaleVersion, Unprocessable

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _fire(world: World, name: str) -> bool:
    """The schedule fires: its JourneyStepDue is handled as the consumer would."""
    data = world.schedules.fire(name).detail["data"]
    return step_due(JourneyStepDue(**data), world.ports)


def test_a_welcome_run_waits_two_days_then_sends_its_step_once() -> None:
    # Given a new lead
    world = World(NOW)
    # When LeadCreated arrives (twice: a redelivery with a new event id too)
    assert trigger(TriggerEvent.LEAD_CREATED, "c1", world.ports, event_id="e1") == ["welcome"]
    assert trigger(TriggerEvent.LEAD_CREATED, "c1", world.ports, event_id="e2") == []
    # Then one run waits for its first step, scheduled 2 days later, nothing sent yet
    run = world.runs.get("c1", "welcome")
    assert run is not None and run.status is RunStatus.ACTIVE and run.step == 0
    name = step_schedule(run.run_id, 0)
    assert world.schedules.planned[name][0] == NOW + timedelta(days=2)
    assert world.sender.requests == []
    # When the schedule fires two days later, and the same event is delivered again
    world.clock.now = NOW + timedelta(days=2)
    event = world.schedules.planned[name][1]
    assert _fire(world, name) is True
    assert step_due(JourneyStepDue(**event.detail["data"]), world.ports) is False
    # Then the follow-up went once, under the run's own source, and the run is completed
    [request] = world.sender.requests
    assert request.source == f"journey-welcome-{run.run_id}-0" and len(request.source) <= 80
    assert (request.template_id, request.channel.value, request.purpose) == ("welcome-followup", "email", "marketing")
    assert request.context["coupon"] == {"code": "", "value": "", "expires_at": ""}  # every variable renders
    done = world.runs.get("c1", "welcome")
    assert done is not None and done.status is RunStatus.COMPLETED
    # And the template it names was seeded, and a later LeadCreated never starts it again
    assert "welcome-followup" in world.templates.items
    assert trigger(TriggerEvent.LEAD_CREATED, "c1", world.ports, event_id="e3") == []


def test_a_step_without_delay_sends_at_once_and_a_repeatable_journey_runs_again_after() -> None:
    world = World(NOW)
    coupon = {"coupon": {"code": "ABC", "value": "10.00", "expires_at": "2026-04-01"}}
    assert trigger(TriggerEvent.COUPON_ISSUED, "c1", world.ports, event_id="e1", context=coupon) == ["coupon"]
    [first] = world.sender.requests
    assert first.context["coupon"]["code"] == "ABC" and first.purpose == "transactional"
    assert world.runs.get("c1", "coupon").status is RunStatus.COMPLETED  # type: ignore[union-attr]
    # When another coupon is issued, Then a new run sends it under a new source
    assert trigger(TriggerEvent.COUPON_ISSUED, "c1", world.ports, event_id="e2", context=coupon) == ["coupon"]
    assert len({r.source for r in world.sender.requests}) == 2


def test_win_back_starts_on_its_segment_only_and_a_purchase_stops_it() -> None:
    world = World(NOW)
    # Given a contact entering another segment: nothing
    assert trigger(TriggerEvent.SEGMENT_ENTERED, "c1", world.ports, event_id="e0", segment_id="vip") == []
    # When they enter the at-risk segment
    assert trigger(TriggerEvent.SEGMENT_ENTERED, "c1", world.ports, event_id="e1", segment_id="at-risk") == ["win-back"]
    # Then the first email goes at once and the reminder waits 7 days
    run = world.runs.get("c1", "win-back")
    assert run is not None and run.step == 1 and [r.template_id for r in world.sender.requests] == ["win-back"]
    reminder = step_schedule(run.run_id, 1)
    assert world.schedules.planned[reminder][0] == NOW + timedelta(days=7)
    # When they leave another segment, nothing; when they buy, the run stops and its schedule goes
    assert stop(StopEvent.SEGMENT_EXITED, "c1", world.ports, segment_id="vip") == []
    assert stop(StopEvent.PURCHASE_RECORDED, "c1", world.ports) == ["win-back"]
    assert reminder not in world.schedules.planned and world.schedules.cancelled == [reminder]
    stopped = world.runs.get("c1", "win-back")
    assert stopped is not None and (stopped.status, stopped.stopped_by) == (RunStatus.STOPPED, "PurchaseRecorded")
    # And a step fired anyway (a cancellation racing the firing) sends nothing
    due = JourneyStepDue(journey_id="win-back", contact_id="c1", run_id=run.run_id, step=1)
    assert step_due(due, world.ports) is False and len(world.sender.requests) == 1


def test_leaving_the_triggering_segment_stops_the_run() -> None:
    world = World(NOW)
    trigger(TriggerEvent.SEGMENT_ENTERED, "c1", world.ports, event_id="e1", segment_id="at-risk")
    assert stop(StopEvent.SEGMENT_EXITED, "c1", world.ports, segment_id="at-risk") == ["win-back"]


def test_a_throttled_step_is_planned_again_and_sent_once() -> None:
    world = World(NOW)
    world.sender.throttle = 1
    trigger(TriggerEvent.TICKET_OPENED, "c1", world.ports, event_id="e1", context={"ticket": {"id": "t1"}})
    run = world.runs.get("c1", "ticket-received")
    assert run is not None and run.step == 0 and run.status is RunStatus.ACTIVE  # not moved on
    retry = step_schedule(run.run_id, 0, 1)
    assert world.schedules.planned[retry][0] == NOW + timedelta(minutes=1)
    # When the retry fires, Then the step is sent and the run completed
    world.clock.now = NOW + timedelta(minutes=1)
    assert _fire(world, retry) is True
    assert len(world.sender.sent) == 1
    assert world.runs.get("c1", "ticket-received").status is RunStatus.COMPLETED  # type: ignore[union-attr]


def test_a_crash_after_a_step_moved_on_is_repaired_by_the_redelivered_step() -> None:
    # Given a run of onboarding whose first step went, but the scheduler failed for the next
    world = World(NOW)
    world.schedules.fail_next = True
    with pytest.raises(ConnectionError):
        trigger(TriggerEvent.OPPORTUNITY_WON, "c1", world.ports, event_id="e1")
    run = world.runs.get("c1", "onboarding")
    assert run is not None and run.step == 1 and world.schedules.planned == {}
    # When the same event is delivered again
    assert trigger(TriggerEvent.OPPORTUNITY_WON, "c1", world.ports, event_id="e1") == ["onboarding"]
    # Then the next step is scheduled, and the first was sent once
    assert list(world.schedules.planned) == [step_schedule(run.run_id, 1)]
    assert len(world.sender.sent) == 1


def test_both_channels_send_twice_and_erasure_stops_every_run() -> None:
    world = World(NOW)
    custom = JourneyNew(
        id="promo",
        name="Promo",
        trigger={"event": "OpportunityWon"},  # type: ignore[arg-type]
        steps=[Step(delay=60, template_id="onboarding", channel="both")],  # type: ignore[arg-type]
    )
    add_journey(custom, world.ports)
    trigger(TriggerEvent.OPPORTUNITY_WON, "c1", world.ports, event_id="e1")
    promo = world.runs.get("c1", "promo")
    assert promo is not None and world.schedules.planned[step_schedule(promo.run_id, 0)][0] == NOW + timedelta(hours=1)
    world.clock.now = NOW + timedelta(hours=1)
    _fire(world, step_schedule(promo.run_id, 0))
    assert sorted(r.channel.value for r in world.sender.requests if r.source.startswith("journey-promo")) == [
        "email",
        "sms",
    ]
    assert stop(StopEvent.CONTACT_ERASED, "c1", world.ports) == ["onboarding"]


def test_definitions_are_versioned_and_checked() -> None:
    world = World(NOW)
    welcome = BUILTIN["welcome"]
    data = JourneyIn(**{**welcome.model_dump(exclude={"id", "builtin", "updated_at", "version"}), "name": "Hello"})
    # A built-in is at version 0 until changed; a stale If-Match is refused
    with pytest.raises(StaleVersion):
        replace_journey("welcome", data, 3, world.ports)
    changed = replace_journey("welcome", data, 0, world.ports)
    assert (changed.version, changed.builtin, changed.name) == (1, True, "Hello")
    assert [j.name for j in all_journeys(world.journeys) if j.id == "welcome"] == ["Hello"]
    # A step naming a template that does not exist is a 422 naming the step
    broken = data.model_copy(update={"steps": [Step(delay=0, template_id="nope")]})
    with pytest.raises(Unprocessable) as refused:
        replace_journey("welcome", broken, 1, world.ports)
    assert refused.value.extensions["errors"] == [{"field": "steps.0.template_id", "message": "no such template"}]
    # A custom journey cannot take a built-in's id
    with pytest.raises(Conflict):
        add_journey(JourneyNew(**data.model_dump(), id="birthday"), world.ports)


def test_the_default_templates_cover_every_builtin_step_and_render() -> None:
    from campaigns.templates.usecases import check

    named = {s.template_id for j in BUILTIN.values() for s in j.steps}
    assert named == set(TEMPLATES)
    for template in TEMPLATES.values():
        check(template)  # raises Unprocessable on an unknown name


def test_a_birthday_is_greeted_each_year_from_its_own_schedule() -> None:
    world, book = World(NOW), FakeBirthdays()
    # Given a contact born on 29 February: the next greeting is on the 28th in 2027
    assert next_birthday(date(1992, 2, 29), NOW) == date(2027, 2, 28)
    assert next_birthday(date(1990, 3, 2), NOW) == date(2027, 3, 2)  # today's greeting time passed
    # When contacts tell a birthday, Then its schedule is made; the same again changes nothing
    birthday_changed("c1", date(1990, 5, 17), book, world.schedules, world.clock)
    assert birthday_changed("c1", date(1990, 5, 17), book, world.schedules, world.clock) is None
    assert world.schedules.planned[birthday_schedule("c1", 2026)][0] == datetime(2026, 5, 17, 9, tzinfo=UTC)
    stale = world.schedules.planned[birthday_schedule("c1", 2026)][1]
    # When it changes, Then the old schedule is replaced by the new one
    birthday_changed("c1", date(1990, 6, 1), book, world.schedules, world.clock)
    assert list(world.schedules.planned) == [birthday_schedule("c1", 2026)]
    assert world.schedules.planned[birthday_schedule("c1", 2026)][0] == datetime(2026, 6, 1, 9, tzinfo=UTC)
    # And the old day's event, had it fired anyway, greets nobody
    assert birthday_due("c1", date.fromisoformat(stale.detail["data"]["on"]), "e0", book, world.ports) == []
    # When the new one fires, Then the greeting goes and next year's is planned
    world.clock.now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    world.schedules.fire(birthday_schedule("c1", 2026))
    assert birthday_due("c1", date(2026, 6, 1), "e1", book, world.ports) == ["birthday"]
    assert [r.template_id for r in world.sender.requests] == ["birthday"]
    assert world.schedules.planned[birthday_schedule("c1", 2027)][0] == datetime(2027, 6, 1, 9, tzinfo=UTC)
    # When the birthday is erased, Then next year's schedule goes too
    birthday_changed("c1", None, book, world.schedules, world.clock)
    assert world.schedules.planned == {} and book.get("c1") is None
