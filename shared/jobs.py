"""SQS job workers (an import chunk, an export, a dead letter): Powertools batch
processing with partial batch responses, one JSON message a job.

A record whose handler raises is reported failed alone (``ReportBatchItemFailures``);
SQS delivers it again after its visibility timeout, and after the queue's
``maxReceiveCount`` moves it to the dead-letter queue. A job that failed on the delivery
that count makes the last is handed to ``give_up`` and reported done, so its job is
marked failed rather than left running forever. The count is read from the settings
(``CRM_<QUEUE>_MAX_RECEIVES``, which the template sets from the same parameter as the
queue's RedrivePolicy), never copied into code.

A handler that must be retried without it counting as a failure (another delivery holds
the job's lease) raises ``Retry``: the record fails, ``give_up`` is not called.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

JobHandler = Callable[[Any], None]
GiveUp = Callable[[Any, BaseException], None]


class Retry(Exception):
    """Deliver this job again later; not a failure (``give_up`` is not called for it)."""


class UnreadableJob(Exception):
    """The message body is not JSON: no retry will read it; it goes to the DLQ."""


def receive_count(record: SQSRecord | dict[str, Any]) -> int:
    """How many times SQS has delivered this record (1 the first time)."""
    raw: dict[str, Any] = record if isinstance(record, dict) else record.raw_event
    return int((raw.get("attributes") or {}).get("ApproximateReceiveCount", "1"))


class JobWorker:
    """One SQS-triggered job function: ``worker(event, context)`` -> partial batch response.

    ``max_receives`` is the queue's maxReceiveCount: an int, or the name of the settings
    entry that holds it (``"imports"`` reads ``CRM_IMPORTS_MAX_RECEIVES``) when the
    batch arrives. Without ``give_up`` (or ``max_receives``) a failing job is retried until
    the queue dead-letters it.
    """

    def __init__(
        self,
        name: str,
        handle: JobHandler,
        *,
        give_up: GiveUp | None = None,
        max_receives: int | str | None = None,
    ) -> None:
        if give_up is not None and max_receives is None:
            raise ValueError(f"{name}: give_up needs the queue's max_receives to know the last delivery")
        self.name = name
        self.handle = handle
        self.give_up = give_up
        self.max_receives = max_receives
        self._batch: BatchProcessor | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import process_partial_response

        last = self._last_receive()
        response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
            event=event, record_handler=lambda record: self._record(record, last), processor=self._processor()
        )
        return response

    def _last_receive(self) -> int | None:
        if self.give_up is None or self.max_receives is None:
            return None
        if isinstance(self.max_receives, int):
            return self.max_receives
        from shared.settings import get_settings

        return get_settings().max_receive_count(self.max_receives)

    def _processor(self) -> BatchProcessor:
        # A processor holds one batch's state: one per function, built on first use.
        if self._batch is None:
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

            self._batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return self._batch

    def _record(self, record: SQSRecord, last: int | None) -> None:
        where = {"job": self.name, "message_id": record.message_id, "receive_count": receive_count(record)}
        try:
            message = json.loads(record.body)
        except ValueError:
            logger.error("unreadable job message", extra=where)
            raise UnreadableJob(record.message_id) from None
        try:
            self.handle(message)
        except Retry:
            logger.info("job to be retried", extra=where)
            raise
        except Exception as exc:
            if last is None or self.give_up is None or receive_count(record) < last:
                logger.exception("job failed; SQS delivers it again", extra=where)
                raise
            logger.exception("job failed on its last delivery; giving up", extra=where)
            self.give_up(message, exc)


def job_worker(
    name: str,
    handle: JobHandler,
    *,
    give_up: GiveUp | None = None,
    max_receives: int | str | None = None,
) -> JobWorker:
    """A ``JobWorker`` (see there); register it with ``shared.functions.add_worker``."""
    return JobWorker(name, handle, give_up=give_up, max_receives=max_receives)
