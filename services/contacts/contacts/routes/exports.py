"""CSV exports: create a job (a filtered list or a segment), read it (with a download URL
once completed); and the ``export_worker`` function that writes the files from its queue."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from contacts.exports import ExportIn
from contacts.http import api, app
from contacts.routes.records import repo
from shared.auth import Role
from shared.http import Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from contacts.exports_repository import ExportRepository

# Who may take a bulk copy of the customers' data: the roles that may bulk-load it
# (imports), each of which reaches every contact. Sales and agents work contact by contact.
EXPORTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


@cache
def exports_repo() -> ExportRepository:
    from contacts.exports_repository import ExportRepository

    return ExportRepository()


@api.route("/exports", methods=["POST"], roles=EXPORTERS, body=ExportIn, status=202)
def create_export(ctx: Ctx) -> Reply:
    from contacts.exports_jobs import create_export as create
    from contacts.segments_handlers import segment_store

    job = create(ctx.body, ctx.principal.subject, exports_repo(), repo(), segment_store())
    return Reply(job, 202, {"Location": f"/contacts/exports/{job.id}"})


@api.route("/exports", roles=EXPORTERS)
def list_exports(ctx: Ctx) -> Reply:
    """Newest first; a completed one's download URL comes with GET /exports/{id}."""
    from contacts.exports import ExportPage

    jobs, cursor = exports_repo().jobs_page(ctx.query.get("cursor"), parse_limit(ctx.query.get("limit")))
    return Reply(ExportPage(items=jobs, next_cursor=cursor))


@api.route("/exports/{export_id}", roles=EXPORTERS)
def get_export(ctx: Ctx, export_id: str) -> Reply:
    from contacts.exports_jobs import get_export as get

    return Reply(get(export_id, exports_repo()))


# The exports queue's maxReceiveCount (resources.yaml): the delivery after which SQS
# would move the job's message to the dead-letter queue.
LAST_RECEIVE = 3


@app.lambda_function(name="export_worker")
def export_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch of export jobs (one per message); a failed export is retried (partial
    batch), and on its last delivery the job is marked failed rather than left running."""
    from contacts.exports_jobs import give_up_export, run_export
    from shared.consumer import receive_count
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        message = json.loads(record["body"])
        try:
            run_export(message, exports_repo(), repo())
        except Exception as exc:
            logger.exception("export failed", extra={"message_id": record.get("messageId")})
            if receive_count(record) >= LAST_RECEIVE:
                give_up_export(message, type(exc).__name__, exports_repo())
            else:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
