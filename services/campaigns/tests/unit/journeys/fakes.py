"""In-memory ports of the journeys feature, with the same conditions as the repositories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from campaigns.journeys.models import Journey, Run, RunStatus
from campaigns.journeys.usecases import JourneyPorts
from campaigns.sending.models import SendRequest, SendSummary
from campaigns.templates.models import Template
from shared.errors import StaleVersion
from shared.events import Outgoing


class Clock:
    """A fixed clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeJourneys:
    def __init__(self) -> None:
        self.items: dict[str, Journey] = {}

    def stored(self) -> list[Journey]:
        return list(self.items.values())

    def get(self, journey_id: str) -> Journey | None:
        return self.items.get(journey_id)

    def put(self, journey: Journey, read_version: int) -> None:
        current = self.items.get(journey.id)
        if (current.version if current else 0) != read_version:
            raise StaleVersion("changed")
        self.items[journey.id] = journey


class FakeRuns:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Run] = {}

    def get(self, contact_id: str, journey_id: str) -> Run | None:
        return self.items.get((contact_id, journey_id))

    def of_contact(self, contact_id: str) -> list[Run]:
        return [r for (c, _), r in self.items.items() if c == contact_id]

    def start(self, run: Run, *, once: bool) -> bool:
        current = self.items.get((run.contact_id, run.journey_id))
        if current is not None and (once or current.status is RunStatus.ACTIVE):
            return False
        self.items[(run.contact_id, run.journey_id)] = run
        return True

    def _at(self, run: Run, step: int) -> Run | None:
        current = self.items.get((run.contact_id, run.journey_id))
        ok = current and current.run_id == run.run_id and current.status is RunStatus.ACTIVE and current.step == step
        return current if ok else None

    def advance(self, run: Run, step: int, due_at: datetime) -> bool:
        current = self._at(run, step)
        if current is None:
            return False
        self.items[(run.contact_id, run.journey_id)] = current.model_copy(update={"step": step + 1, "due_at": due_at})
        return True

    def end(self, run: Run, step: int, status: RunStatus, at: datetime, stopped_by: str | None = None) -> bool:
        current = self._at(run, step)
        if current is None:
            return False
        changes: dict[str, Any] = {"status": status, "ended_at": at, "due_at": None, "stopped_by": stopped_by}
        if status is RunStatus.COMPLETED:
            changes["step"] = step + 1
        self.items[(run.contact_id, run.journey_id)] = current.model_copy(update=changes)
        return True

    def forget(self, contact_id: str) -> None:
        for key in [k for k in self.items if k[0] == contact_id]:
            del self.items[key]


class FakeSchedules:
    def __init__(self) -> None:
        self.planned: dict[str, tuple[datetime, Outgoing]] = {}
        self.cancelled: list[str] = []
        self.fail_next = False  # the next schedule_event raises (a crash after the run moved)

    def schedule_event(self, name: str, when: datetime, event: Outgoing) -> bool:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("scheduler unreachable")
        if name in self.planned:
            return False
        self.planned[name] = (when, event)
        return True

    def cancel_schedule(self, name: str) -> bool:
        self.cancelled.append(name)
        return self.planned.pop(name, None) is not None

    def fire(self, name: str) -> Outgoing:
        """What Scheduler does at the time: the event, and the schedule deletes itself."""
        return self.planned.pop(name)[1]


class FakeSender:
    """The sending core: each (source, channel, contact) once; ``throttle`` leaves that many
    next requests pending."""

    def __init__(self) -> None:
        self.requests: list[SendRequest] = []
        self.sent: set[tuple[str, str, str]] = set()
        self.throttle = 0

    def __call__(self, request: SendRequest) -> SendSummary:
        self.requests.append(request)
        if self.throttle:
            self.throttle -= 1
            return SendSummary(pending=list(request.contact_ids))
        summary = SendSummary()
        for contact_id in request.contact_ids:
            key = (request.source, request.channel.value, contact_id)
            if key in self.sent:
                summary.already += 1
            else:
                self.sent.add(key)
                summary.sent += 1
        return summary


class FakeTemplates:
    def __init__(self) -> None:
        self.items: dict[str, Template] = {}

    def get(self, template_id: str) -> Template | None:
        return self.items.get(template_id)

    def put(self, template: Template, read_version: int | None) -> None:
        if read_version is None and template.id in self.items:
            raise StaleVersion("exists")
        self.items[template.id] = template


class World:
    """Every port, with a clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.clock = Clock(now)
        self.journeys, self.runs, self.schedules = FakeJourneys(), FakeRuns(), FakeSchedules()
        self.sender, self.templates = FakeSender(), FakeTemplates()
        self.ports = JourneyPorts(self.journeys, self.runs, self.schedules, self.sender, self.templates, self.clock)


class FakeBirthdays:
    def __init__(self) -> None:
        self.items: dict[str, date] = {}

    def get(self, contact_id: str) -> date | None:
        return self.items.get(contact_id)

    def put(self, contact_id: str, birthday: date | None) -> None:
        if birthday is None:
            self.items.pop(contact_id, None)
        else:
            self.items[contact_id] = birthday
