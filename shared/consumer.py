"""SQS consumers of bus events: Powertools batch processing with partial batch
responses, idempotent on ``metadata.event_id``.

Delivery is at least once (EventBridge retries for 24 h, SQS redelivers), so an event
is processed at most once per 48 h window; a record that fails stays in the queue and
reaches the DLQ after the queue's maxReceiveCount.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shared.events import Envelope, IncomingEvent
from shared.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

IDEMPOTENCY_TTL_SECONDS = 48 * 3600  # longer than EventBridge's 24 h retry window

DataT = TypeVar("DataT", bound=IncomingEvent)


class PoisonEvent(Exception):
    """The message is not an event we can read: retrying will not help; it goes to the DLQ."""


@dataclass(frozen=True)
class Subscription(Generic[DataT]):
    detail_type: str
    model: type[DataT]
    handle: Callable[[Envelope[DataT]], None]


class Consumer:
    """One SQS-triggered function: routes each event by detail-type to its subscription."""

    def __init__(self, service: str, function: str, subscriptions: list[Subscription[Any]]) -> None:
        self.service = service
        self.function = function
        # A detail-type may have several handlers (one per feature): run in declared order.
        self.subscriptions: dict[str, list[Subscription[Any]]] = {}
        for subscription in subscriptions:
            self.subscriptions.setdefault(subscription.detail_type, []).append(subscription)
        self._context: Any = None
        self._batch: BatchProcessor | None = None
        self._store: Any = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import process_partial_response

        # Invocations of one function are sequential (Lambda and the local pollers alike).
        self._context = context
        response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
            event=event, record_handler=self._record, processor=self._processor(), context=context
        )
        return response

    def _processor(self) -> BatchProcessor:
        # A processor holds one batch's state: one per function, built on first use.
        if self._batch is None:
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

            # Report an all-failed batch like any other (Lambda retries exactly the failed records).
            self._batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return self._batch

    def _record(self, record: SQSRecord) -> None:
        try:
            message = json.loads(record.body)
            detail_type = message["detail-type"]
            detail = message["detail"]
        except (ValueError, KeyError, TypeError):
            logger.error("unreadable message", extra={"message_id": record.message_id})
            raise PoisonEvent(record.message_id) from None
        subscriptions = self.subscriptions.get(detail_type)
        if not subscriptions:
            # The rule let through an event nobody here handles: drop it, loudly.
            logger.warning("no subscription", extra={"detail_type": detail_type})
            return
        try:
            # Every handler's reading is checked before any runs: a poison event changes nothing.
            calls = [(s, Envelope[s.model].model_validate(detail)) for s in subscriptions]  # type: ignore[name-defined]
        except Exception:
            logger.error("event does not match its schema", extra={"detail_type": detail_type})
            raise PoisonEvent(record.message_id) from None
        self._once(detail_type, calls)

    def _once(self, detail_type: str, calls: list[tuple[Subscription[Any], Envelope[Any]]]) -> None:
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

        config = IdempotencyConfig(event_key_jmespath="event_id", expires_after_seconds=IDEMPOTENCY_TTL_SECONDS)
        if self._context is not None and hasattr(self._context, "get_remaining_time_in_millis"):
            config.register_lambda_context(self._context)

        @idempotent_function(data_keyword_argument="key", persistence_store=self._persistence(), config=config)
        def handle(key: dict[str, str]) -> dict[str, str]:
            logger.info("handling event", extra={"detail_type": detail_type, "event_id": key["event_id"]})
            for subscription, envelope in calls:
                subscription.handle(envelope)
            return {"handled": key["event_id"]}

        handle(key={"event_id": calls[0][1].metadata.event_id, "detail_type": detail_type})

    def _persistence(self) -> Any:
        # One persistence layer per function: Powertools keeps a function's settings on it.
        if self._store is None:
            from shared.idempotency import idempotency_store

            self._store = idempotency_store(self.service, self.function)
        return self._store
