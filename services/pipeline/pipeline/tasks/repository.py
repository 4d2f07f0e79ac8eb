"""Tasks in the pipeline table (pynamodb) and their reminders (one-time Scheduler
schedules): the only module of the feature that talks to AWS.

A task is one item ``TASK#<id>``/``TASK#<id>`` whose ``owner_id`` is its assignee, so the
sparse ``by_owner`` index lists one person's tasks in one query (``sk`` begins with
``TASK#``: no lead or opportunity among them). Each assignee also has a small item in
``TASK_ASSIGNEES``: the list of everyone's tasks (an admin's) asks each of them in turn,
never scanning the table.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from pipeline import SERVICE
from pipeline.table.items import ByOwner, OutboxRecord
from pipeline.table.keys import TASK_ASSIGNEES, TASK_PREFIX, task_assignee_key, task_key
from pipeline.tasks.models import Task, TaskFilter, TaskStatus
from shared.errors import Conflict, StaleVersion
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import transaction_with_events
from shared.table import table_meta


class TaskItem(KeyedItem):
    """pk ``TASK#<id>``, sk ``TASK#<id>``; ``owner_id`` is the assignee (by_owner)."""

    Meta = table_meta(SERVICE)
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    notes = UnicodeAttribute(null=True)
    due_at = UTCDateTimeAttribute()
    remind_at = UTCDateTimeAttribute(null=True)
    owner_id = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    opportunity_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=TaskStatus.OPEN.value)
    outcome = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    completed_at = UTCDateTimeAttribute(null=True)
    reminded_for = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=1)
    by_owner = ByOwner()


class TaskAssigneeItem(KeyedItem):
    """pk ``TASK_ASSIGNEES``, sk ``<assignee id>``: someone who has (or had) tasks."""

    Meta = table_meta(SERVICE)


def _task(item: TaskItem) -> Task:
    return Task.model_validate(
        {**fields_of(item), "id": item.pk.removeprefix(TASK_PREFIX), "assignee_id": item.owner_id}
    )


def _task_item(task: Task) -> TaskItem:
    return item_of(
        TaskItem, *task_key(task.id), task, owner_id=task.assignee_id, kind=task.kind.value, status=task.status.value
    )


def _filter(where: TaskFilter) -> Condition | None:
    condition: Condition | None = None
    parts: list[Condition] = []
    if where.status is not None:
        parts.append(TaskItem.status == where.status.value)
    if where.due_from is not None:
        parts.append(TaskItem.due_at >= where.due_from)
    if where.due_to is not None:
        parts.append(TaskItem.due_at <= where.due_to)
    if where.contact_id is not None:
        parts.append(TaskItem.contact_id == where.contact_id)
    if where.opportunity_id is not None:
        parts.append(TaskItem.opportunity_id == where.opportunity_id)
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


class TasksRepository:
    def add(self, task: Task) -> None:
        # The assignee's item is put again on every task: idempotent, and one write.
        with transaction_with_events(OutboxRecord, [], conflict=f"task {task.id} already exists") as tx:
            tx.save(_task_item(task), condition=TaskItem.pk.does_not_exist())
            tx.save(TaskAssigneeItem(*task_assignee_key(task.assignee_id)))

    def get(self, task_id: str) -> Task | None:
        try:
            return _task(TaskItem.get(*task_key(task_id), consistent_read=True))
        except DoesNotExist:
            return None

    def update(self, task: Task, read_version: int, events: list[Outgoing], *, new_assignee: bool) -> None:
        """Write the task if it is still at ``read_version`` (with its events); StaleVersion otherwise."""
        try:
            with transaction_with_events(OutboxRecord, events, conflict="stale") as tx:
                tx.save(_task_item(task), condition=TaskItem.version == read_version)
                if new_assignee:
                    tx.save(TaskAssigneeItem(*task_assignee_key(task.assignee_id)))
        except Conflict as exc:
            raise StaleVersion(f"task {task.id} changed meanwhile: read it again") from exc

    def mark_reminded(self, task: Task, events: list[Outgoing]) -> bool:
        """Record that the reminder at ``task.reminder`` went out, with its events, unless the
        task changed since it was read or that reminder was already sent. False then."""
        when = task.reminder
        condition = (
            (TaskItem.version == task.version)
            & (TaskItem.status == TaskStatus.OPEN.value)
            & (TaskItem.reminded_for.does_not_exist() | (TaskItem.reminded_for != when))
        )
        try:
            with transaction_with_events(OutboxRecord, events, conflict="changed") as tx:
                tx.update(TaskItem(*task_key(task.id)), actions=[TaskItem.reminded_for.set(when)], condition=condition)
        except Conflict:
            return False
        return True

    def tasks_of(
        self, assignee_id: str, where: TaskFilter, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Task], dict[str, Any] | None]:
        """One assignee's tasks (by_owner, eventually consistent), filtered; oldest id first."""
        results = TaskItem.by_owner.query(
            assignee_id,
            TaskItem.sk.startswith(TASK_PREFIX),
            filter_condition=_filter(where),
            limit=limit,
            last_evaluated_key=start,
        )
        tasks = [_task(i) for i in results]
        return tasks, results.last_evaluated_key

    def assignees(self) -> list[str]:
        """Everyone who has tasks, in id order (one query of a small partition)."""
        return [i.sk for i in TaskAssigneeItem.query(TASK_ASSIGNEES, consistent_read=True)]
