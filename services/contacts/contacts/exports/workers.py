"""The exports feature's Lambda function (bound by name in contacts/api.py): the worker
that writes each export's CSV from the exports queue."""

from __future__ import annotations

import json
from typing import Any

from contacts.bootstrap import contact_repository, export_repository

# The exports queue's maxReceiveCount (resources.yaml): the delivery after which SQS
# would move the job's message to the dead-letter queue.
LAST_RECEIVE = 3


def export_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch of export jobs (one per message); a failed export is retried (partial
    batch), and on its last delivery the job is marked failed rather than left running."""
    from contacts.exports.usecases import give_up_export, run_export
    from shared.consumer import receive_count
    from shared.observability import logger

    failures = []
    for record in event.get("Records", []):
        message = json.loads(record["body"])
        try:
            run_export(message, export_repository(), contact_repository())
        except Exception as exc:
            logger.exception("export failed", extra={"message_id": record.get("messageId")})
            if receive_count(record) >= LAST_RECEIVE:
                give_up_export(message, type(exc).__name__, export_repository())
            else:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
