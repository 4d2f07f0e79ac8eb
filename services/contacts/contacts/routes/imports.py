"""CSV imports: create a job (upload URL), start it, read progress and row results; and
the ``import_worker`` function that processes the chunks from its SQS queue."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from contacts.http import api, app
from contacts.routes.records import repo
from shared.auth import Role
from shared.errors import BadRequest
from shared.http import Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from contacts.imports_repository import ImportRepository

IMPORTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})
ROW_STATUSES = ("created", "updated", "skipped", "error")


@cache
def imports_repo() -> ImportRepository:
    from contacts.imports_repository import ImportRepository

    return ImportRepository()


@api.route("/imports", methods=["POST"], roles=IMPORTERS, status=201)
def create_import(ctx: Ctx) -> Reply:
    from contacts.imports_jobs import create_import as create

    job = create(imports_repo())
    return Reply(job, 201, {"Location": f"/contacts/imports/{job.id}"})


@api.route("/imports", roles=IMPORTERS)
def list_imports(ctx: Ctx) -> Reply:
    from contacts.imports import JobPage

    jobs, cursor = imports_repo().jobs_page(ctx.query.get("cursor"), parse_limit(ctx.query.get("limit")))
    return Reply(JobPage(items=jobs, next_cursor=cursor))


@api.route("/imports/{import_id}/start", methods=["POST"], roles=IMPORTERS, status=202)
def start_import(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports_jobs import start_import as start

    return Reply(start(import_id, imports_repo()), 202)


@api.route("/imports/{import_id}", roles=IMPORTERS)
def get_import(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports_jobs import get_import as get

    return Reply(get(import_id, imports_repo()))


@api.route("/imports/{import_id}/rows", roles=IMPORTERS)
def import_rows(ctx: Ctx, import_id: str) -> Reply:
    from contacts.imports import RowPage
    from contacts.imports_jobs import get_import as get

    status = ctx.query.get("status")
    if status is not None and status not in ROW_STATUSES:
        raise BadRequest("unknown status", errors=[{"field": "status", "message": "|".join(ROW_STATUSES)}])
    get(import_id, imports_repo())
    rows, cursor = imports_repo().rows_page(
        import_id, status, ctx.query.get("cursor"), parse_limit(ctx.query.get("limit"))
    )
    return Reply(RowPage(items=rows, next_cursor=cursor))


UPLOAD_PREFIX, UPLOAD_SUFFIX = "imports/", ".csv"


@app.lambda_function(name="import_uploaded")
def import_uploaded(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """S3 ObjectCreated notifications (via the uploads queue): an uploaded CSV starts its
    import, so a client need not call POST .../start (which stays, and is idempotent)."""
    from urllib.parse import unquote_plus

    from contacts.imports_jobs import start_import as start
    from shared.errors import NotFound, Unprocessable
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        try:
            for notice in json.loads(record["body"]).get("Records", []):  # none in s3:TestEvent
                key = unquote_plus(notice["s3"]["object"]["key"])
                import_id = key.removeprefix(UPLOAD_PREFIX).removesuffix(UPLOAD_SUFFIX)
                try:
                    start(import_id, imports_repo())
                except (NotFound, Unprocessable) as exc:  # not an import of ours / file gone
                    logger.warning("upload not started", extra={"key": key, "reason": exc.detail})
        except Exception:
            logger.exception("upload notice failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


# The imports queue's maxReceiveCount (resources.yaml): the delivery after which SQS
# would move the chunk to the dead-letter queue.
LAST_RECEIVE = 3


@app.lambda_function(name="import_worker")
def import_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch of import chunks; a chunk that fails is retried alone (partial batch), and
    on its last delivery its rows are reported as errors rather than left unfinished."""
    from contacts.imports_jobs import ChunkBusy, give_up_chunk, process_chunk
    from shared.consumer import receive_count
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        message = json.loads(record["body"])
        try:
            process_chunk(message, imports_repo(), repo())
        except ChunkBusy:
            # The other delivery finishes it; this one returns later and finds it done.
            logger.info("import chunk already running", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
        except Exception as exc:
            logger.exception("import chunk failed", extra={"message_id": record.get("messageId")})
            imports_repo().release_chunk(message["import_id"], message["chunk"])
            if receive_count(record) >= LAST_RECEIVE:
                give_up_chunk(message, type(exc).__name__, imports_repo())
            else:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


@app.lambda_function(name="import_dead_letters")
def import_dead_letters(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The imports dead-letter queue: a chunk whose worker timed out or crashed on every
    delivery never reached the worker's own last-delivery give-up, and would leave its
    job running forever; here its rows become errors and the job completes. Upload
    notices that failed (the client can still POST .../start) are logged and dropped."""
    from contacts.imports_jobs import ChunkBusy, settle_dead_chunk
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        message = json.loads(record["body"])
        if "chunk" not in message:
            logger.warning("upload notice dead-lettered", extra={"message_id": record.get("messageId")})
            continue
        try:
            settle_dead_chunk(message, imports_repo())
        except ChunkBusy:
            failures.append({"itemIdentifier": record["messageId"]})  # its lease expires: again later
        except Exception:
            logger.exception("dead import chunk not settled", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
