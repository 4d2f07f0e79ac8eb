"""What the journeys feature does (tested with fakes): definitions an admin changes, and each
contact's run of one, a step at a time.

A run moves only by conditional writes on its one item (contact, journey): started if none
is active, advanced only from the step it is at, ended only while active, so a step fired
twice, late, or after a stop does nothing. Delays are one-time schedules (JourneyStepDue),
never polling; a step with no delay runs at once. Each send goes through the sending core
under ``journey-<journey>-<run>-<step>``, which sends each (source, channel, contact) once:
a redelivered step claims nothing new. Order on each step: send, advance, then schedule the
next; a crash between the last two is repaired when the same step is delivered again (it
finds the run one step on and schedules that step again, idempotently by name).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from campaigns.audience.models import Channel
from campaigns.events import JourneyStepDue
from campaigns.journeys.defaults import BUILTIN, TEMPLATES
from campaigns.journeys.models import (
    Journey,
    JourneyIn,
    JourneyNew,
    JourneyPage,
    Run,
    RunStatus,
    StepChannel,
    StopEvent,
    TriggerEvent,
)
from campaigns.sending.models import SendRequest, SendSummary
from campaigns.templates.models import Template
from shared.errors import Conflict, StaleVersion, Unprocessable
from shared.events import Outgoing, new_event
from shared.observability import logger
from shared.reach import not_found
from shared.schedules import schedule_name

RETRY_AFTER = timedelta(minutes=1)  # a throttled step tries again then (the sending core's `pending`)
MAX_ATTEMPTS = 30  # then the step's event goes to the DLQ, for an operator
# Every journey variable a template may name (templates.rendering.JOURNEY_VARIABLES), empty
# until a trigger gives it: a template renders whatever started the run.
EMPTY_CONTEXT: dict[str, Any] = {
    "coupon": {"code": "", "value": "", "expires_at": ""},
    "survey_url": "",
    "ticket": {"id": "", "subject": ""},
    "articles": [],
}

Clock = Callable[[], datetime]
Sender = Callable[[SendRequest], SendSummary]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Journeys(Protocol):
    def stored(self) -> list[Journey]: ...
    def get(self, journey_id: str) -> Journey | None: ...
    def put(self, journey: Journey, read_version: int) -> None: ...


class Runs(Protocol):
    def get(self, contact_id: str, journey_id: str) -> Run | None: ...
    def of_contact(self, contact_id: str) -> list[Run]: ...
    def start(self, run: Run, *, once: bool) -> bool: ...
    def advance(self, run: Run, step: int, due_at: datetime) -> bool: ...
    def end(self, run: Run, step: int, status: RunStatus, at: datetime, stopped_by: str | None = None) -> bool: ...
    def forget(self, contact_id: str) -> None: ...


class Deadlines(Protocol):
    def schedule_event(self, name: str, when: datetime, event: Outgoing) -> bool: ...
    def cancel_schedule(self, name: str) -> bool: ...


class Templates(Protocol):
    def get(self, template_id: str) -> Template | None: ...
    def put(self, template: Template, read_version: int | None) -> None: ...


@dataclass(frozen=True)
class JourneyPorts:
    journeys: Journeys
    runs: Runs
    deadlines: Deadlines
    send: Sender
    templates: Templates
    clock: Clock = utc_now


# --- definitions --------------------------------------------------------------------------


def all_journeys(journeys: Journeys) -> list[Journey]:
    """The built-ins (as changed, if changed) then the custom ones, by id."""
    stored = {j.id: j for j in journeys.stored()}
    builtin = [stored.pop(jid, default) for jid, default in BUILTIN.items()]
    return builtin + sorted(stored.values(), key=lambda j: j.id)


def journeys_page(ports: JourneyPorts) -> JourneyPage:
    seed_templates(ports.templates, ports.clock)  # so marketers find the journeys' templates to edit
    return JourneyPage(items=all_journeys(ports.journeys))


def get_journey(journey_id: str, journeys: Journeys) -> Journey:
    journey = journeys.get(journey_id) or BUILTIN.get(journey_id)
    if journey is None:
        raise not_found("journey", journey_id)
    return journey


def _check_templates(data: JourneyIn, templates: Templates) -> None:
    errors = [
        {"field": f"steps.{n}.template_id", "message": "no such template"}
        for n, step in enumerate(data.steps)
        if step.template_id not in TEMPLATES and templates.get(step.template_id) is None
    ]
    if errors:
        raise Unprocessable("a step names a template that does not exist", errors=errors)


def replace_journey(journey_id: str, data: JourneyIn, if_match: int, ports: JourneyPorts) -> Journey:
    """PUT: the whole definition, at the version read (0: a built-in never changed). Runs in
    flight follow it from their next step."""
    current = get_journey(journey_id, ports.journeys)
    if current.version != if_match:
        raise StaleVersion(f"journey {journey_id} is at version {current.version}", current_version=current.version)
    _check_templates(data, ports.templates)
    journey = Journey(
        **data.model_dump(), id=journey_id, builtin=current.builtin, updated_at=ports.clock(), version=if_match + 1
    )
    ports.journeys.put(journey, if_match)
    return journey


def add_journey(data: JourneyNew, ports: JourneyPorts) -> Journey:
    if data.id in BUILTIN or ports.journeys.get(data.id) is not None:
        raise Conflict(f"journey {data.id} exists", errors=[{"field": "id", "message": "taken"}])
    _check_templates(data, ports.templates)
    journey = Journey(**data.model_dump(), updated_at=ports.clock(), version=1)
    try:
        ports.journeys.put(journey, 0)
    except StaleVersion:
        raise Conflict(f"journey {data.id} exists", errors=[{"field": "id", "message": "taken"}]) from None
    return journey


def seed_templates(templates: Templates, clock: Clock = utc_now, only: str | None = None) -> None:
    """Store the built-in journeys' templates not stored yet (``only``: that one). Idempotent:
    a twin seeding, or a marketer's edit in between, wins."""
    for template_id, data in TEMPLATES.items():
        if (only is None or only == template_id) and templates.get(template_id) is None:
            now = clock()
            with suppress(StaleVersion):
                templates.put(Template(**data.model_dump(), id=template_id, created_at=now, updated_at=now), None)


# --- runs -----------------------------------------------------------------------------


def step_schedule(run_id: str, step: int, attempt: int = 0) -> str:
    return schedule_name("journey", run_id, str(step), *([f"r{attempt}"] if attempt else []))


def step_context(context: dict[str, Any]) -> dict[str, Any]:
    return {**EMPTY_CONTEXT, **context}


def _matches(journey: Journey, event: TriggerEvent, segment_id: str | None) -> bool:
    if not journey.enabled or journey.trigger.event is not event:
        return False
    return journey.trigger.segment_id is None or journey.trigger.segment_id == segment_id


def trigger(
    event: TriggerEvent,
    contact_id: str,
    ports: JourneyPorts,
    *,
    event_id: str,
    segment_id: str | None = None,
    context: dict[str, Any] | None = None,
) -> list[str]:
    """A trigger event: a run of each enabled journey it starts, unless the contact is in it
    (or, for a once-per-contact journey, ever was). Returns the journeys started (or resumed:
    this very event's run, redelivered after a crash before its first step was planned)."""
    started = []
    for journey in all_journeys(ports.journeys):
        if not _matches(journey, event, segment_id):
            continue
        if _start(journey, contact_id, event_id, segment_id=segment_id, context=context, ports=ports):
            started.append(journey.id)
    return started


def _start(
    journey: Journey,
    contact_id: str,
    event_id: str,
    *,
    segment_id: str | None,
    context: dict[str, Any] | None,
    ports: JourneyPorts,
) -> bool:
    now = ports.clock()
    run = Run(
        run_id=uuid.uuid4().hex[:20],
        journey_id=journey.id,
        contact_id=contact_id,
        started_at=now,
        due_at=now + journey.steps[0].wait,
        trigger_event_id=event_id,
        segment_id=segment_id,
        context=context or {},
    )
    if not ports.runs.start(run, once=journey.once_per_contact):
        existing = ports.runs.get(contact_id, journey.id)
        if existing is None or existing.trigger_event_id != event_id or existing.status is not RunStatus.ACTIVE:
            logger.info("journey not started", extra={"journey_id": journey.id, "contact_id": contact_id})
            return False
        run = existing  # ours, from an earlier delivery of this event: plan its step again
    logger.info("journey started", extra={"journey_id": journey.id, "contact_id": contact_id, "run_id": run.run_id})
    _plan(run, run.step, journey, ports)
    return True


def _plan(run: Run, step: int, journey: Journey, ports: JourneyPorts) -> None:
    """Run ``step`` now if it is due, else schedule it for its due time."""
    due = run.due_at or ports.clock()
    if due <= ports.clock():
        _run_step(run, step, 0, journey, ports)
        return
    event = JourneyStepDue(journey_id=run.journey_id, contact_id=run.contact_id, run_id=run.run_id, step=step)
    ports.deadlines.schedule_event(step_schedule(run.run_id, step), due, new_event(event))


def step_due(due: JourneyStepDue, ports: JourneyPorts) -> bool:
    """A step's schedule fired: send it if the run is still at it; False if it did nothing."""
    run = ports.runs.get(due.contact_id, due.journey_id)
    if run is None or run.run_id != due.run_id or run.status is not RunStatus.ACTIVE:
        logger.info("journey step dropped", extra={"journey_id": due.journey_id, "run_id": due.run_id})
        return False
    journey = ports.journeys.get(due.journey_id) or BUILTIN.get(due.journey_id)
    if journey is None or not journey.enabled:
        ports.runs.end(run, run.step, RunStatus.STOPPED, ports.clock(), stopped_by="disabled")
        return False
    if due.step == run.step - 1:  # this step was sent and the run moved on: its next may be unplanned
        _plan(run, run.step, journey, ports)
        return False
    if due.step != run.step:
        logger.info("journey step dropped", extra={"journey_id": due.journey_id, "run_id": due.run_id})
        return False
    _run_step(run, due.step, due.attempt, journey, ports)
    return True


def _channels(channel: StepChannel) -> list[Channel]:
    return [Channel.EMAIL, Channel.SMS] if channel is StepChannel.BOTH else [Channel(channel.value)]


def _run_step(run: Run, step: int, attempt: int, journey: Journey, ports: JourneyPorts) -> None:
    now = ports.clock()
    if step >= len(journey.steps):  # the definition lost steps meanwhile: the run is done
        ports.runs.end(run, step - 1, RunStatus.COMPLETED, now)
        return
    definition = journey.steps[step]
    seed_templates(ports.templates, ports.clock, only=definition.template_id)
    pending: list[str] = []
    for channel in _channels(definition.channel):
        request = SendRequest(
            source=run.source(step),
            channel=channel,
            template_id=definition.template_id,
            contact_ids=[run.contact_id],
            purpose=definition.purpose.value,
            campaign_name=journey.name,
            context=step_context(run.context),
        )
        pending += ports.send(request).pending
    if pending:
        _retry(run, step, attempt + 1, now, ports.deadlines)
        return
    following = step + 1
    if following >= len(journey.steps):
        ports.runs.end(run, step, RunStatus.COMPLETED, now)
        logger.info("journey completed", extra={"journey_id": run.journey_id, "run_id": run.run_id})
        return
    due = now + journey.steps[following].wait
    if ports.runs.advance(run, step, due):
        _plan(run.model_copy(update={"step": following, "due_at": due}), following, journey, ports)


def _retry(run: Run, step: int, attempt: int, now: datetime, deadlines: Deadlines) -> None:
    """Throttled (the sending core left the contact pending): nothing is lost, the step is
    planned again a little later; what it already sent is not sent again."""
    if attempt > MAX_ATTEMPTS:
        raise RuntimeError(f"journey step still throttled after {MAX_ATTEMPTS} attempts")
    event = JourneyStepDue(
        journey_id=run.journey_id, contact_id=run.contact_id, run_id=run.run_id, step=step, attempt=attempt
    )
    deadlines.schedule_event(step_schedule(run.run_id, step, attempt), now + RETRY_AFTER, new_event(event))
    logger.info("journey step throttled", extra={"journey_id": run.journey_id, "run_id": run.run_id, "step": step})


def stop(event: StopEvent, contact_id: str, ports: JourneyPorts, *, segment_id: str | None = None) -> list[str]:
    """A stop event: each active run of the contact's journeys that lists it ends (every run,
    for ContactErased), and its pending step's schedule is cancelled. Returns the journeys."""
    stopped = []
    for run in ports.runs.of_contact(contact_id):
        if run.status is not RunStatus.ACTIVE:
            continue
        journey = ports.journeys.get(run.journey_id) or BUILTIN.get(run.journey_id)
        listed = journey is not None and event in journey.stop_when
        if event is StopEvent.SEGMENT_EXITED and run.segment_id != segment_id:
            listed = False
        if (listed or event is StopEvent.CONTACT_ERASED) and ports.runs.end(
            run, run.step, RunStatus.STOPPED, ports.clock(), stopped_by=event.value
        ):
            ports.deadlines.cancel_schedule(step_schedule(run.run_id, run.step))
            stopped.append(run.journey_id)
    if stopped:
        logger.info("journeys stopped", extra={"contact_id": contact_id, "journeys": stopped, "by": event.value})
    return stopped
