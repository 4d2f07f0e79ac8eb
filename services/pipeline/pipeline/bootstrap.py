"""pipeline's composition root: the only place its repositories are built."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.approvals.repository import ApprovalsRepository
    from pipeline.assignment.repository import AssignmentRepository
    from pipeline.leads.repository import LeadsRepository
    from pipeline.leads.usecases import Deadlines
    from pipeline.opportunities.repository import OpportunitiesRepository
    from pipeline.performance.repository import PerformanceRepository
    from pipeline.rules.repository import RulesRepository
    from pipeline.scoring.repository import ScoringRepository
    from pipeline.stages.repository import StagesRepository
    from pipeline.tasks.repository import TasksRepository
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

    return AssignmentRepository(teams_repository(), leads_repository(), rules_repository(), scoring_repository())


@cache
def rules_repository() -> RulesRepository:
    from pipeline.rules.repository import RulesRepository

    return RulesRepository()


@cache
def deadlines() -> Deadlines:
    """One-time schedules (EventBridge Scheduler): the kernel's module is the adapter."""
    from shared import schedules

    return schedules


@cache
def scoring_repository() -> ScoringRepository:
    from pipeline.scoring.repository import ScoringRepository

    return ScoringRepository(leads_repository())


@cache
def stages_repository() -> StagesRepository:
    from pipeline.stages.repository import StagesRepository

    return StagesRepository()


@cache
def opportunities_repository() -> OpportunitiesRepository:
    from pipeline.opportunities.repository import OpportunitiesRepository

    return OpportunitiesRepository()


@cache
def approvals_repository() -> ApprovalsRepository:
    from pipeline.approvals.repository import ApprovalsRepository

    return ApprovalsRepository()


@cache
def tasks_repository() -> TasksRepository:
    from pipeline.tasks.repository import TasksRepository

    return TasksRepository()


@cache
def performance_repository() -> PerformanceRepository:
    from pipeline.performance.repository import PerformanceRepository

    return PerformanceRepository()
