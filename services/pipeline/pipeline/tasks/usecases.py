"""What the tasks feature does: follow-up tasks, their reminders and completion (tested with fakes).

A task's reminder (``remind_at``, or ``due_at`` without one) is a one-time schedule named
after the task and the reminder time. It carries our internal TaskReminderFired, not
TaskDue: ``remind_fired`` publishes TaskDue only for an open task whose reminder is still
that time, once, so a late fire, a repeated one, or one racing a cancellation says nothing.
A new reminder is scheduled before the write and the old one cancelled after it: whichever
step a crash interrupts, the schedule left behind fires for a time that is no longer the
task's, and is ignored; no reminder that should go out is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.events import TaskCompleted, TaskDue, TaskReminderFired
from pipeline.leads.usecases import Deadlines  # the one schedules port (shared.schedules)
from pipeline.reach import Reach
from pipeline.tasks.models import Task, TaskFilter, TaskIn, TaskPage, TaskPatch, TaskQuery, TaskStatus
from shared.errors import Conflict, Forbidden, StaleVersion, Unprocessable
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.observability import logger
from shared.pagination import page_across
from shared.reach import not_found
from shared.schedules import schedule_name

if TYPE_CHECKING:
    from pipeline.teams.models import Rep

Clock = Callable[[], datetime]
TASKS_LIST = "pipeline/tasks"  # what a cursor of the tasks list is signed for
# Assignees one page may ask (an admin's list goes through everyone's tasks): a request
# stays bounded; past it the page ends early with a cursor at the next assignee.


def _now() -> datetime:
    return datetime.now(UTC)


class Tasks(Protocol):
    def add(self, task: Task) -> None: ...
    def get(self, task_id: str) -> Task | None: ...
    def update(self, task: Task, read_version: int, events: list[Outgoing], *, new_assignee: bool) -> None: ...
    def mark_reminded(self, task: Task, events: list[Outgoing]) -> bool: ...
    def tasks_of(
        self, assignee_id: str, where: TaskFilter, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Task], dict[str, Any] | None]: ...
    def assignees(self) -> list[str]: ...


class Reps(Protocol):
    def get_rep(self, rep_id: str) -> Rep | None: ...


@dataclass(frozen=True)
class Caller:
    """Who asks: their id (a rep's is their rep id), whether they may assign tasks to
    others (a manager or an admin) and whose tasks they reach."""

    id: str
    may_assign: bool
    reach: Reach


def reminder_name(task_id: str, when: datetime) -> str:
    """One name per task and reminder time, to the microsecond: a reminder moved by less
    than a second is still a new schedule, never the old one kept and then cancelled."""
    return schedule_name("task", task_id, f"{int(when.timestamp())}{when.microsecond:06d}")


def _assignee(requested: str | None, caller: Caller, reps: Reps) -> str:
    if requested is None or requested == caller.id:
        return caller.id
    if not caller.may_assign:
        raise Forbidden(
            "a sales rep assigns tasks only to themselves",
            errors=[{"field": "assignee_id", "message": "not yours to assign"}],
        )
    # One answer for "no such rep" and "not one of yours": it names no rep out of reach.
    if not caller.reach.covers(requested) or reps.get_rep(requested) is None:
        raise Unprocessable("no such rep", errors=[{"field": "assignee_id", "message": "unknown rep"}])
    return requested


def _plan(task: Task, reminders: Deadlines, now: datetime, correlation_id: str | None) -> None:
    when = task.reminder
    if task.is_open and when > now:
        event = new_event(TaskReminderFired(task_id=task.id, remind_at=when), correlation_id=correlation_id)
        reminders.schedule_event(reminder_name(task.id, when), when, event)


def create_task(
    data: TaskIn,
    caller: Caller,
    repo: Tasks,
    reps: Reps,
    reminders: Deadlines,
    *,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> Task:
    now = clock()
    fields = data.model_dump(exclude={"assignee_id"})
    task = Task(
        **fields,
        id=str(uuid.uuid4()),
        assignee_id=_assignee(data.assignee_id, caller, reps),
        created_by=caller.id,
        created_at=now,
    )
    _plan(task, reminders, now, correlation_id)  # first: a write that fails leaves a fire that finds no task
    repo.add(task)
    return task


def get_task(task_id: str, repo: Tasks, reach: Reach) -> Task:
    task = repo.get(task_id)
    if task is None or not reach.covers(task.assignee_id):
        raise not_found("task", task_id)
    return task


def list_tasks(query: TaskQuery, reach: Reach, repo: Tasks) -> TaskPage:
    """Tasks of the assignees the caller reaches (or of ``assignee_id``), assignee by
    assignee, with a cursor that says whose tasks and where in them the next page starts."""
    if query.assignee_id is not None:
        owners = [query.assignee_id] if reach.covers(query.assignee_id) else []
    elif reach.everyone:
        owners = repo.assignees()
    else:
        owners = sorted(reach.owners)
    where = TaskFilter.model_validate(query.model_dump(include=set(TaskFilter.model_fields)))

    def read(owner: str, limit: int, start: dict[str, Any] | None) -> tuple[list[Task], dict[str, Any] | None]:
        return repo.tasks_of(owner, where, limit, start)

    items, cursor = page_across(owners, query.cursor, of=TASKS_LIST, limit=query.limit, read=read)
    return TaskPage(items=items, next_cursor=cursor)


def _changed(task: Task, patch: TaskPatch, caller: Caller, reps: Reps, now: datetime) -> Task:
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("assignee_id", task.assignee_id) != task.assignee_id:
        changes["assignee_id"] = _assignee(changes["assignee_id"], caller, reps)
    status = changes.get("status")
    if status == TaskStatus.DONE.value:
        changes["completed_at"] = now
    updated = Task.model_validate(
        {**task.model_dump(), **changes, "version": task.version + 1, "reminded_for": task.reminded_for}
    )
    if updated.remind_at is not None and updated.remind_at > updated.due_at:
        raise Unprocessable(
            "the reminder comes after the task is due",
            errors=[{"field": "remind_at", "message": "must be at or before due_at"}],
        )
    return updated


def update_task(
    task_id: str,
    patch: TaskPatch,
    if_match: int,
    caller: Caller,
    *,
    repo: Tasks,
    reps: Reps,
    reminders: Deadlines,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> Task:
    """Change, complete or cancel a task (optimistic: ``if_match`` is the version read). A
    sales rep cannot hand their task to someone else; a closed task changes no more.
    Completing it publishes TaskCompleted with the write."""
    task = get_task(task_id, repo, caller.reach)
    if "assignee_id" in patch.model_fields_set and patch.assignee_id != task.assignee_id and not caller.may_assign:
        raise Forbidden(
            "a sales rep cannot reassign a task", errors=[{"field": "assignee_id", "message": "not yours to assign"}]
        )
    if task.version != if_match:
        raise StaleVersion(f"task {task_id} is at version {task.version}", current_version=task.version)
    if not task.is_open:
        raise Conflict(f"task {task_id} is {task.status.value}: it changes no more")
    now = clock()
    updated = _changed(task, patch, caller, reps, now)
    if updated.model_dump(exclude={"version"}) == task.model_dump(exclude={"version"}):
        return task
    events = []
    if updated.status is TaskStatus.DONE:
        event = TaskCompleted(
            task_id=updated.id,
            assignee_id=updated.assignee_id,
            kind=updated.kind.value,
            title=updated.title,
            completed_at=now,
            contact_id=updated.contact_id,
            opportunity_id=updated.opportunity_id,
            outcome=updated.outcome,
        )
        events.append(new_event(event, correlation_id=correlation_id))
    moved = updated.reminder != task.reminder
    if moved:
        _plan(updated, reminders, now, correlation_id)
    repo.update(updated, if_match, events, new_assignee=updated.assignee_id != task.assignee_id)
    if moved or not updated.is_open:
        reminders.cancel_schedule(reminder_name(task.id, task.reminder))
    return updated


def remind_fired(task_id: str, remind_at: datetime, cause: EventMetadata, repo: Tasks) -> bool:
    """A reminder schedule fired: TaskDue for the assignee if the task is still open, this
    is still its reminder time, and it was not sent yet. False when nothing was published."""
    task = repo.get(task_id)
    if task is None or not task.is_open or task.reminder != remind_at or task.reminded_for == remind_at:
        logger.info("task reminder ignored", extra={"task_id": task_id, "event_id": cause.event_id})
        return False
    event = TaskDue(
        task_id=task.id,
        assignee_id=task.assignee_id,
        kind=task.kind.value,
        title=task.title,
        due_at=task.due_at,
        contact_id=task.contact_id,
        opportunity_id=task.opportunity_id,
    )
    return repo.mark_reminded(task, [follow_up(event, cause)])
