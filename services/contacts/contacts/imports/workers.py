"""The imports feature's Lambda functions (bound by name in contacts/api.py), SQS job
workers on shared.jobs: an uploaded CSV starts its import, the worker processes its
chunks from the imports queue, and the dead-letter function settles the chunks that
never finished."""

from __future__ import annotations

from typing import Any

from contacts.bootstrap import contact_repository, import_repository
from shared.jobs import Retry, job_worker

UPLOAD_PREFIX, UPLOAD_SUFFIX = "imports/", ".csv"


def start_uploaded(message: dict[str, Any]) -> None:
    """S3 ObjectCreated notifications (via the uploads queue): an uploaded CSV starts its
    import, so a client need not call POST .../start (which stays, and is idempotent)."""
    from urllib.parse import unquote_plus

    from contacts.imports.usecases import start_import as start
    from shared.errors import NotFound, Unprocessable
    from shared.observability import logger

    for notice in message.get("Records", []):  # none in s3:TestEvent
        key = unquote_plus(notice["s3"]["object"]["key"])
        import_id = key.removeprefix(UPLOAD_PREFIX).removesuffix(UPLOAD_SUFFIX)
        try:
            start(import_id, import_repository())
        except (NotFound, Unprocessable) as exc:  # not an import of ours / file gone
            logger.warning("upload not started", extra={"key": key, "reason": exc.detail})


def process_chunk(message: dict[str, Any]) -> None:
    """One import chunk. A chunk another delivery holds is retried later; one that fails
    releases its lease, so the next delivery can take it."""
    from contacts.imports.usecases import ChunkBusy
    from contacts.imports.usecases import process_chunk as process

    try:
        process(message, import_repository(), contact_repository())
    except ChunkBusy as exc:
        # The other delivery finishes it; this one returns later and finds it done.
        raise Retry(str(exc)) from exc
    except Exception:
        import_repository().release_chunk(message["import_id"], message["chunk"])
        raise


def give_up_chunk(message: dict[str, Any], exc: BaseException) -> None:
    """A chunk that failed on its last delivery: its rows are reported as errors rather
    than left unfinished."""
    from contacts.imports.usecases import give_up_chunk as give_up

    give_up(message, type(exc).__name__, import_repository())


def settle_dead_letter(message: dict[str, Any]) -> None:
    """The imports dead-letter queue: a chunk whose worker timed out or crashed on every
    delivery never reached the worker's own last-delivery give-up, and would leave its
    job running forever; here its rows become errors and the job completes. Upload
    notices that failed (the client can still POST .../start) are logged and dropped."""
    from contacts.imports.usecases import ChunkBusy, settle_dead_chunk
    from shared.observability import logger

    if "chunk" not in message:
        logger.warning("upload notice dead-lettered")
        return
    try:
        settle_dead_chunk(message, import_repository())
    except ChunkBusy as exc:
        raise Retry(str(exc)) from exc  # its lease expires: again later


import_uploaded = job_worker("import_uploaded", start_uploaded)
# Gives up on the imports queue's last delivery (CRM_IMPORTS_MAX_RECEIVES, its maxReceiveCount).
import_worker = job_worker("import_worker", process_chunk, give_up=give_up_chunk, max_receives="imports")
import_dead_letters = job_worker("import_dead_letters", settle_dead_letter)
