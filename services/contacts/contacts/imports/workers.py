"""The imports feature's Lambda functions (bound by name in contacts/api.py): an uploaded
CSV starts its import, the worker processes its chunks from the imports queue, and the
dead-letter function settles the chunks that never finished."""

from __future__ import annotations

import json
from typing import Any

from contacts.bootstrap import contact_repository, import_repository

UPLOAD_PREFIX, UPLOAD_SUFFIX = "imports/", ".csv"


def import_uploaded(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """S3 ObjectCreated notifications (via the uploads queue): an uploaded CSV starts its
    import, so a client need not call POST .../start (which stays, and is idempotent)."""
    from urllib.parse import unquote_plus

    from contacts.imports.usecases import start_import as start
    from shared.errors import NotFound, Unprocessable
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        try:
            for notice in json.loads(record["body"]).get("Records", []):  # none in s3:TestEvent
                key = unquote_plus(notice["s3"]["object"]["key"])
                import_id = key.removeprefix(UPLOAD_PREFIX).removesuffix(UPLOAD_SUFFIX)
                try:
                    start(import_id, import_repository())
                except (NotFound, Unprocessable) as exc:  # not an import of ours / file gone
                    logger.warning("upload not started", extra={"key": key, "reason": exc.detail})
        except Exception:
            logger.exception("upload notice failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


# The imports queue's maxReceiveCount (resources.yaml): the delivery after which SQS
# would move the chunk to the dead-letter queue.
LAST_RECEIVE = 3


def import_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch of import chunks; a chunk that fails is retried alone (partial batch), and
    on its last delivery its rows are reported as errors rather than left unfinished."""
    from contacts.imports.usecases import ChunkBusy, give_up_chunk, process_chunk
    from shared.consumer import receive_count
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        message = json.loads(record["body"])
        try:
            process_chunk(message, import_repository(), contact_repository())
        except ChunkBusy:
            # The other delivery finishes it; this one returns later and finds it done.
            logger.info("import chunk already running", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
        except Exception as exc:
            logger.exception("import chunk failed", extra={"message_id": record.get("messageId")})
            import_repository().release_chunk(message["import_id"], message["chunk"])
            if receive_count(record) >= LAST_RECEIVE:
                give_up_chunk(message, type(exc).__name__, import_repository())
            else:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def import_dead_letters(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The imports dead-letter queue: a chunk whose worker timed out or crashed on every
    delivery never reached the worker's own last-delivery give-up, and would leave its
    job running forever; here its rows become errors and the job completes. Upload
    notices that failed (the client can still POST .../start) are logged and dropped."""
    from contacts.imports.usecases import ChunkBusy, settle_dead_chunk
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        message = json.loads(record["body"])
        if "chunk" not in message:
            logger.warning("upload notice dead-lettered", extra={"message_id": record.get("messageId")})
            continue
        try:
            settle_dead_chunk(message, import_repository())
        except ChunkBusy:
            failures.append({"itemIdentifier": record["messageId"]})  # its lease expires: again later
        except Exception:
            logger.exception("dead import chunk not settled", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
