"""Tasks use cases against in-memory fakes of their ports (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.reach import EVERYONE, Reach
from pipeline.tasks.models import Task, TaskFilter, TaskIn, TaskPatch, TaskQuery, TaskStatus
from pipeline.tasks.usecases import (
    Caller,
    create_task,
    list_tasks,
    remind_fired,
    reminder_name,
    update_task,
)
from pipeline.teams.models import Rep
from shared.errors import Conflict, Forbidden, NotFound, StaleVersion, Unprocessable
from shared.events import EventMetadata, Outgoing
from shared.pagination import PARTS_PER_PAGE as ASSIGNEES_PER_PAGE

NOW = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=1)


def _clock() -> datetime:
    return NOW


def _meta() -> EventMetadata:
    event_id = str(uuid.uuid4())
    return EventMetadata(event_id=event_id, event_version=1, occurred_at=NOW, correlation_id=event_id)


class FakeTasks:
    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.outbox: list[Outgoing] = []
        self.log: list[str] = []

    def add(self, task: Task) -> None:
        self.log.append("write")
        self.tasks[task.id] = task

    def get(self, task_id: str) -> Task | None:
        return self.tasks.get(task_id)

    def update(self, task: Task, read_version: int, events: list[Outgoing], *, new_assignee: bool) -> None:
        if self.tasks[task.id].version != read_version:
            raise StaleVersion("stale")
        self.log.append("write")
        self.tasks[task.id] = task
        self.outbox.extend(events)

    def mark_reminded(self, task: Task, events: list[Outgoing]) -> bool:
        stored = self.tasks[task.id]
        if stored.version != task.version or stored.reminded_for == task.reminder:
            return False
        self.tasks[task.id] = stored.model_copy(update={"reminded_for": task.reminder})
        self.outbox.extend(events)
        return True

    def tasks_of(
        self, assignee_id: str, where: TaskFilter, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Task], dict[str, Any] | None]:
        mine = sorted((t for t in self.tasks.values() if t.assignee_id == assignee_id), key=lambda t: t.id)
        if where.status is not None:
            mine = [t for t in mine if t.status is where.status]
        if start is not None:
            mine = [t for t in mine if t.id > start["id"]]
        page = mine[:limit]
        return page, ({"id": page[-1].id} if len(mine) > limit else None)

    def assignees(self) -> list[str]:
        return sorted({t.assignee_id for t in self.tasks.values()})


class FakeReps:
    def __init__(self, *ids: str) -> None:
        self.ids = set(ids)

    def get_rep(self, rep_id: str) -> Rep | None:
        if rep_id not in self.ids:
            return None
        return Rep(id=rep_id, name=rep_id, email=f"{rep_id}@example.com", capacity=5, created_at=NOW)


class FakeReminders:
    def __init__(self, log: list[str]) -> None:
        self.scheduled: dict[str, tuple[datetime, Outgoing]] = {}
        self.log = log

    def schedule_event(self, name: str, when: datetime, event: Outgoing) -> bool:
        self.log.append(f"schedule {name}")
        self.scheduled[name] = (when, event)
        return True

    def cancel_schedule(self, name: str) -> bool:
        self.log.append(f"cancel {name}")
        return self.scheduled.pop(name, None) is not None


def _rep(rep_id: str = "ann") -> Caller:
    return Caller(id=rep_id, may_assign=False, reach=Reach(everyone=False, owners=frozenset({rep_id})))


MANAGER = Caller(id="mia", may_assign=True, reach=Reach(everyone=False, owners=frozenset({"mia", "ann"})))


@pytest.fixture
def repo() -> FakeTasks:
    return FakeTasks()


@pytest.fixture
def reminders(repo: FakeTasks) -> FakeReminders:
    return FakeReminders(repo.log)


def _create(repo: FakeTasks, reminders: FakeReminders, caller: Caller | None = None, **extra: Any) -> Task:
    data = TaskIn.model_validate({"kind": "call", "title": "Call", "due_at": DUE.isoformat(), **extra})
    return create_task(data, caller or _rep(), repo, FakeReps("ann", "bob"), reminders, clock=_clock)


def _update(repo: FakeTasks, reminders: FakeReminders, task: Task, caller: Caller | None = None, **body: Any) -> Task:
    patch = TaskPatch.model_validate(body)
    return update_task(
        task.id, patch, task.version, caller or _rep(), repo=repo, reps=FakeReps("ann", "bob"), reminders=reminders,
        clock=_clock,
    )  # fmt: skip


def test_a_new_task_is_the_callers_and_its_reminder_is_scheduled_before_the_write(
    repo: FakeTasks, reminders: FakeReminders
) -> None:
    task = _create(repo, reminders, remind_at=(DUE - timedelta(hours=1)).isoformat())
    assert (task.assignee_id, task.created_by, task.status) == ("ann", "ann", TaskStatus.OPEN)
    name = reminder_name(task.id, DUE - timedelta(hours=1))
    assert repo.log == [f"schedule {name}", "write"]
    when, event = reminders.scheduled[name]
    assert when == DUE - timedelta(hours=1)
    assert event.detail_type == "TaskReminderFired" and event.detail["data"]["task_id"] == task.id


def test_a_manager_assigns_within_reach_only(repo: FakeTasks, reminders: FakeReminders) -> None:
    assert _create(repo, reminders, MANAGER, assignee_id="ann").assignee_id == "ann"
    with pytest.raises(Unprocessable):
        _create(repo, reminders, MANAGER, assignee_id="bob")  # a rep, not theirs
    with pytest.raises(Forbidden):
        _create(repo, reminders, assignee_id="bob")  # a rep assigns only to themselves


def test_moving_the_reminder_schedules_the_new_one_first_and_cancels_the_old_after(
    repo: FakeTasks, reminders: FakeReminders
) -> None:
    task = _create(repo, reminders)
    repo.log.clear()
    later = DUE + timedelta(hours=3)
    moved = _update(repo, reminders, task, due_at=later.isoformat())
    assert moved.version == 2
    assert repo.log == [
        f"schedule {reminder_name(task.id, later)}",
        "write",
        f"cancel {reminder_name(task.id, DUE)}",
    ]
    repo.log.clear()
    assert _update(repo, reminders, moved, title="Call") is moved  # nothing changed: nothing written
    assert repo.log == []


def test_completion_publishes_and_closes_for_good(repo: FakeTasks, reminders: FakeReminders) -> None:
    task = _create(repo, reminders, contact_id="c1")
    done = _update(repo, reminders, task, status="done", outcome="booked a demo")
    assert (done.status, done.completed_at, done.outcome) == (TaskStatus.DONE, NOW, "booked a demo")
    [event] = repo.outbox
    assert event.detail_type == "TaskCompleted"
    assert (event.detail["data"]["contact_id"], event.detail["data"]["kind"]) == ("c1", "call")
    assert reminders.scheduled == {}
    with pytest.raises(Conflict):
        _update(repo, reminders, done, title="again")


def test_stale_if_match_and_reach(repo: FakeTasks, reminders: FakeReminders) -> None:
    task = _create(repo, reminders)
    _update(repo, reminders, task, title="New")
    with pytest.raises(StaleVersion):
        _update(repo, reminders, task, title="Older")  # still at version 1
    with pytest.raises(NotFound):
        _update(repo, reminders, repo.tasks[task.id], _rep("bob"), title="x")
    with pytest.raises(Forbidden):
        _update(repo, reminders, repo.tasks[task.id], assignee_id="bob")


def test_a_fired_reminder_is_due_once_for_an_open_task_at_its_current_time(
    repo: FakeTasks, reminders: FakeReminders
) -> None:
    task = _create(repo, reminders)
    assert remind_fired(task.id, DUE, _meta(), repo) is True
    assert remind_fired(task.id, DUE, _meta(), repo) is False  # a repeated fire
    assert [e.detail_type for e in repo.outbox] == ["TaskDue"]
    assert remind_fired(task.id, DUE - timedelta(hours=1), _meta(), repo) is False  # an old plan's fire
    assert remind_fired("gone", DUE, _meta(), repo) is False


def test_a_fired_reminder_for_a_done_task_says_nothing(repo: FakeTasks, reminders: FakeReminders) -> None:
    task = _create(repo, reminders)
    _update(repo, reminders, task, status="done")
    assert remind_fired(task.id, DUE, _meta(), repo) is False
    assert [e.detail_type for e in repo.outbox] == ["TaskCompleted"]


def test_an_admins_list_walks_every_assignee_a_bounded_number_a_page(repo: FakeTasks, reminders: FakeReminders) -> None:
    people = [f"rep-{n:03}" for n in range(ASSIGNEES_PER_PAGE + 5)]
    for who in people:
        _create(repo, reminders, Caller(id=who, may_assign=False, reach=EVERYONE))
    # Done tasks only: nobody has one, so the first page asks ASSIGNEES_PER_PAGE people and stops.
    first = list_tasks(TaskQuery(status=TaskStatus.DONE), EVERYONE, repo)
    assert first.items == [] and first.next_cursor is not None
    second = list_tasks(TaskQuery(status=TaskStatus.DONE, cursor=first.next_cursor), EVERYONE, repo)
    assert second.items == [] and second.next_cursor is None
    everything = list_tasks(TaskQuery(limit=100), EVERYONE, repo)
    assert len(everything.items) == ASSIGNEES_PER_PAGE  # bounded; the rest on the next page
    rest = list_tasks(TaskQuery(limit=100, cursor=everything.next_cursor), EVERYONE, repo)
    assert len(rest.items) == 5 and rest.next_cursor is None
