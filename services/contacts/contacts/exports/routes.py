"""CSV exports: create a job (a filtered list or a segment), read it (with a download URL
once completed); the files are written by contacts/exports/workers.py."""

from __future__ import annotations

from contacts.bootstrap import contact_repository, export_repository
from contacts.exports.models import ExportIn, ExportJob, ExportPage
from shared.auth import Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery

# Who may take a bulk copy of the customers' data: the roles that may bulk-load it
# (imports), each of which reaches every contact. Sales and agents work contact by contact.
EXPORTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


router = Router()


@router.route("/exports", methods=["POST"], roles=EXPORTERS, body=ExportIn, status=202, response=ExportJob)
def create_export(ctx: Ctx) -> Reply:
    from contacts.bootstrap import segment_store
    from contacts.exports.usecases import create_export as create

    job = create(ctx.body, ctx.principal.subject, export_repository(), contact_repository(), segment_store())
    return Reply(job, 202, {"Location": f"/contacts/exports/{job.id}"})


@router.route("/exports", roles=EXPORTERS, query=PageQuery, response=ExportPage)
def list_exports(ctx: Ctx) -> Reply:
    """Newest first; a completed one's download URL comes with GET /exports/{id}."""
    params: PageQuery = ctx.params
    jobs, cursor = export_repository().jobs_page(params.cursor, params.limit)
    return Reply(ExportPage(items=jobs, next_cursor=cursor))


@router.route("/exports/{export_id}", roles=EXPORTERS, response=ExportJob)
def get_export(ctx: Ctx, export_id: str) -> Reply:
    from contacts.exports.usecases import get_export as get

    return Reply(get(export_id, export_repository()))
