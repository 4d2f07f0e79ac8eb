"""CSV imports: create a job (upload URL), start it, read progress and row results (the
functions that process the upload and its chunks are in contacts/imports/workers.py)."""

from __future__ import annotations

from contacts.bootstrap import import_repository
from shared.auth import Role
from shared.errors import BadRequest
from shared.http import Ctx, Reply, Router
from shared.pagination import parse_limit

IMPORTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})
ROW_STATUSES = ("created", "updated", "skipped", "error")


router = Router()


@router.route("/imports", methods=["POST"], roles=IMPORTERS, status=201)
def create_import(ctx: Ctx) -> Reply:
    from contacts.imports.usecases import create_import as create

    job = create(import_repository())
    return Reply(job, 201, {"Location": f"/contacts/imports/{job.id}"})


@router.route("/imports", roles=IMPORTERS)
def list_imports(ctx: Ctx) -> Reply:
    from contacts.imports.models import JobPage

    jobs, cursor = import_repository().jobs_page(ctx.query.get("cursor"), parse_limit(ctx.query.get("limit")))
    return Reply(JobPage(items=jobs, next_cursor=cursor))


@router.route("/imports/{import_id}/start", methods=["POST"], roles=IMPORTERS, status=202)
def start_import(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports.usecases import start_import as start

    return Reply(start(import_id, import_repository()), 202)


@router.route("/imports/{import_id}", roles=IMPORTERS)
def get_import(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports.usecases import get_import as get

    return Reply(get(import_id, import_repository()))


@router.route("/imports/{import_id}/rows", roles=IMPORTERS)
def import_rows(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports.models import RowPage
    from contacts.imports.usecases import get_import as get

    status = ctx.query.get("status")
    if status is not None and status not in ROW_STATUSES:
        raise BadRequest("unknown status", errors=[{"field": "status", "message": "|".join(ROW_STATUSES)}])
    get(import_id, import_repository())
    rows, cursor = import_repository().rows_page(
        import_id, status, ctx.query.get("cursor"), parse_limit(ctx.query.get("limit"))
    )
    return Reply(RowPage(items=rows, next_cursor=cursor))
