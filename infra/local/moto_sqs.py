"""Fix 15 of ``infra.local.moto_server``: SQS sends and receives that do not walk the queue.

moto computes a queue's whole attribute map, the three approximate message counts
included (each a walk over every message in the queue, each message's visibility read
from the clock), for every message it sends (to read ``ContentBasedDeduplication``) and,
through ``get_queue_attributes``, for every message it receives (to read
``MessageRetentionPeriod``). A receive of ten from a queue holding 1,000 messages walked
them 30 times: measured as 70% of the emulator's CPU while 1,000 events queued up, the
cost growing with the square of the backlog. AWS reads neither count to send or receive.
Here a receive reads the retention period from the queue itself, and a send sees the
attribute map without the counts; ``GetQueueAttributes`` still answers them.
"""

from __future__ import annotations

import threading
from typing import Any

COUNTS = frozenset(
    {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible"}
)


def sqs_targets() -> list[tuple[Any, str]]:
    from moto.sqs.models import Queue, SQSBackend

    return [
        (Queue, "attributes"),
        (SQSBackend, "send_message"),
        (SQSBackend, "is_message_valid_based_on_retention_period"),
    ]


def _without_counts(queue: Any) -> dict[str, Any]:
    """moto's ``Queue.attributes`` less the three counts (the same names, values and
    lower-cased booleans)."""
    from moto.core.utils import camelcase_to_underscores

    names = [a for a in queue.BASE_ATTRIBUTES if a not in COUNTS]
    names += queue.FIFO_ATTRIBUTES if queue.fifo_queue else []
    names += queue.KMS_ATTRIBUTES if queue.kms_master_key_id else []
    result = {name: getattr(queue, camelcase_to_underscores(name)) for name in names}
    if queue.policy:
        result["Policy"] = queue.policy
    if queue.redrive_policy:
        import json

        result["RedrivePolicy"] = json.dumps(queue.redrive_policy)
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}


def lean_sends_and_receives() -> None:
    from moto.sqs import models
    from moto.sqs.models import Queue, SQSBackend

    full = Queue.attributes.fget  # type: ignore[attr-defined]
    sending = threading.local()  # per thread: another thread's GetQueueAttributes sees every count

    def attributes(self: Any) -> dict[str, Any]:
        return _without_counts(self) if getattr(sending, "on", False) else full(self)

    original_send = SQSBackend.send_message

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        sending.on = True
        try:
            return original_send(self, *args, **kwargs)
        finally:
            sending.on = False

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > models.unix_time())  # type: ignore[attr-defined]

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
