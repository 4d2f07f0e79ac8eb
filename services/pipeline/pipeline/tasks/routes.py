"""The tasks feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import SERVICE, bootstrap
from pipeline.reach import reach_of
from pipeline.tasks.models import Task, TaskIn, TaskPage, TaskPatch, TaskQuery
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

if TYPE_CHECKING:
    from pipeline.tasks.usecases import Caller

router = Router()

# Reps keep their own tasks; managers and admins also assign them to the reps they reach.
TASK_WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES})
ASSIGNERS = frozenset({Role.ADMIN, Role.MANAGER})


def _caller(ctx: Ctx) -> Caller:
    from pipeline.tasks.usecases import Caller

    reach = reach_of(ctx.principal, bootstrap.teams_repository)
    return Caller(id=ctx.principal.subject, may_assign=ctx.principal.role in ASSIGNERS, reach=reach)


@router.route("/tasks", methods=["POST"], roles=TASK_WRITERS, body=TaskIn, status=201, response=Task)
def add_task(ctx: Ctx) -> Reply:
    from pipeline.tasks.usecases import create_task

    task = create_task(
        ctx.body,
        _caller(ctx),
        bootstrap.tasks_repository(),
        bootstrap.teams_repository(),
        bootstrap.deadlines(),
        correlation_id=ctx.header("x-correlation-id"),
    )
    return Reply(task, 201, {"Location": f"/{SERVICE}/tasks/{task.id}", **etag(task.version)})


@router.route("/tasks", roles=STAFF, query=TaskQuery, response=TaskPage)
def list_tasks(ctx: Ctx) -> TaskPage:
    from pipeline.tasks.usecases import list_tasks as page

    return page(ctx.params, reach_of(ctx.principal, bootstrap.teams_repository), bootstrap.tasks_repository())


@router.route("/tasks/{task_id}", roles=STAFF, response=Task)
def get_task(ctx: Ctx, task_id: str) -> Reply:
    from pipeline.tasks.usecases import get_task as get

    task = get(task_id, bootstrap.tasks_repository(), reach_of(ctx.principal, bootstrap.teams_repository))
    return Reply(task, 200, etag(task.version))


@router.route("/tasks/{task_id}", methods=["PATCH"], roles=TASK_WRITERS, body=TaskPatch, response=Task)
def update_task(ctx: Ctx, task_id: str) -> Reply:
    from pipeline.tasks.usecases import update_task as update

    version = parse_if_match(ctx.header("if-match"), "the task")
    task = update(
        task_id,
        ctx.body,
        version,
        _caller(ctx),
        repo=bootstrap.tasks_repository(),
        reps=bootstrap.teams_repository(),
        reminders=bootstrap.deadlines(),
        correlation_id=ctx.header("x-correlation-id"),
    )
    return Reply(task, 200, etag(task.version))
