"""pipeline's composition root: the only place its repositories are built."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.assignment.repository import AssignmentRepository
    from pipeline.leads.repository import LeadsRepository
    from pipeline.tasks.repository import Reminders, TasksRepository
    from pipeline.teams.repository import TeamsRepository


@cache
def teams_repository() -> TeamsRepository:
    from pipeline.teams.repository import TeamsRepository

    return TeamsRepository()


@cache
def leads_repository() -> LeadsRepository:
    from pipeline.leads.repository import LeadsRepository

    return LeadsRepository()


@cache
def assignment_repository() -> AssignmentRepository:
    from pipeline.assignment.repository import AssignmentRepository

    return AssignmentRepository(teams_repository(), leads_repository())


@cache
def tasks_repository() -> TasksRepository:
    from pipeline.tasks.repository import TasksRepository

    return TasksRepository()


@cache
def task_reminders() -> Reminders:
    from pipeline.tasks.repository import Reminders

    return Reminders()
