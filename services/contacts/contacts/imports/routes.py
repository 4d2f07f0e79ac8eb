"""CSV imports: create a job (upload URL), start it, read progress and row results (the
functions that process the upload and its chunks are in contacts/imports/workers.py)."""

from __future__ import annotations

from contacts.bootstrap import import_repository
from contacts.imports.models import ImportJob, JobPage, RowPage, RowQuery
from shared.auth import Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery

IMPORTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


router = Router()


@router.route("/imports", methods=["POST"], roles=IMPORTERS, status=201, response=ImportJob)
def create_import(ctx: Ctx) -> Reply:
    from contacts.imports.usecases import create_import as create

    job = create(import_repository())
    return Reply(job, 201, {"Location": f"/contacts/imports/{job.id}"})


@router.route("/imports", roles=IMPORTERS, query=PageQuery, response=JobPage)
def list_imports(ctx: Ctx) -> Reply:
    params: PageQuery = ctx.params
    jobs, cursor = import_repository().jobs_page(params.cursor, params.limit)
    return Reply(JobPage(items=jobs, next_cursor=cursor))


@router.route("/imports/{import_id}/start", methods=["POST"], roles=IMPORTERS, status=202, response=ImportJob)
def start_import(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports.usecases import start_import as start

    return Reply(start(import_id, import_repository()), 202)


@router.route("/imports/{import_id}", roles=IMPORTERS, response=ImportJob)
def get_import(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports.usecases import get_import as get

    return Reply(get(import_id, import_repository()))


@router.route("/imports/{import_id}/rows", roles=IMPORTERS, query=RowQuery, response=RowPage)
def import_rows(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports.usecases import get_import as get

    params: RowQuery = ctx.params
    status = params.status.value if params.status else None
    get(import_id, import_repository())
    rows, cursor = import_repository().rows_page(import_id, status, params.cursor, params.limit)
    return Reply(RowPage(items=rows, next_cursor=cursor))
