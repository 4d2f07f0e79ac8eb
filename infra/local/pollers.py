"""Event-source pollers: one thread per mapping, behaving like Lambda's event source
mappings for SQS and DynamoDB streams (the emulator cannot run Lambda code).

SQS: receive a batch, invoke, delete what succeeded. Nothing else touches a message:
a failed one becomes visible again after the queue's visibility timeout and the queue's
redrive policy moves it to the DLQ after maxReceiveCount receives (the emulator
implements that on receive), exactly as in AWS.

Streams: read each shard in order, drop records the mapping's filters reject, invoke
in batches; on a failure retry the same batch from the first failed record without
advancing (Lambda's ReportBatchItemFailures checkpoint behaviour).
"""

from __future__ import annotations

import base64
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from infra.local.aws import Clients
from infra.local.filters import passes
from infra.local.log import say
from infra.local.moto_routes import STREAM_READERS_PATH
from infra.local.moto_streams import LOCAL_FILTERS
from infra.local.topology import SqsWiring, StreamWiring
from infra.local.writes import WriteSignal

Invoke = Callable[[dict[str, Any]], Any]

SQS_WAIT_SECONDS = 1
STREAM_POLL_SECONDS = 0.05  # the lead flow targets <= 100 ms end to end
# With a write signal (the stack's case) pollers wake on each in-process write; this slow
# timer only catches writes made from outside the process.
STREAM_POLL_SIGNALLED_SECONDS = 1.0
RETRY_BACKOFF_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)
# GetRecords errors after which Lambda opens the shard's iterator again instead of failing.
REOPENED_ON = frozenset({"ExpiredIteratorException", "TrimmedDataAccessException"})
ERROR_PAUSE_SECONDS = 1.0

# --- Event shapes -------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """boto3's parsed answer -> its wire JSON (epoch seconds, base64 binaries)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_jsonable(v) for v in value]
    return value


def stream_record(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A record as Lambda delivers it, from GetRecords' wire JSON (already that shape)."""
    record = dict(raw)
    record.setdefault("eventSource", "aws:dynamodb")
    record["eventVersion"] = "1.1"
    record["awsRegion"] = region
    record["eventSourceARN"] = stream_arn
    return record


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(value["BinaryValue"]).decode() if "BinaryValue" in value else None,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _failures(result: Any) -> list[str] | None:
    """Item identifiers of a partial batch response; None when the response reports none."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return None
    return [str(f.get("itemIdentifier") or "") for f in result["batchItemFailures"]]


# --- Pollers --------------------------------------------------------------------------------


def register_stream_readers(clients: Clients, streams: list[StreamWiring]) -> None:
    """Tell our emulator what each table's stream readers filter for, so that it stores
    only the records one of them takes (moto_routes.stream_readers_route)."""
    from urllib.parse import quote

    import requests

    by_table: dict[str, list[list[dict[str, Any]]]] = {}
    for stream in streams:
        by_table.setdefault(stream.table_name, []).append(list(stream.filters))
    for table, filters in by_table.items():
        url = f"{clients.endpoint_url}{STREAM_READERS_PATH}{quote(table)}?region={clients.region}"
        if requests.put(url, json={"filters": filters}, timeout=30).status_code != 200:
            # Not our emulator (moto started elsewhere): it stores every record, as AWS does.
            say("stack", f"note: the emulator keeps every stream record of {table}")


class Poller(threading.Thread):
    """A daemon thread that calls ``poll_once`` until stopped, pausing after errors."""

    kind = "poller"

    def __init__(self, name: str, clients: Clients, invoke: Invoke) -> None:
        super().__init__(name=name, daemon=True)
        self.clients = clients
        self.invoke = invoke
        self.stopping = threading.Event()
        self.batches = 0
        self.failures = 0
        self.last_error: str | None = None

    def poll_once(self) -> int:
        raise NotImplementedError

    def invoke_batch(self, records: list[dict[str, Any]]) -> tuple[bool, Any]:
        """Invoke the function with one batch, as its event source would: (False, None) when
        the invocation itself failed (counted, logged), else (True, its response)."""
        self.batches += 1
        try:
            return True, self.invoke({"Records": records})
        except Exception as exc:
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            say("poller", f"{self.name}: batch of {len(records)} failed ({self.last_error})")
            return False, None

    def idle(self) -> None:
        """What to do after a poll that found nothing (SQS long polls: nothing more)."""

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                if self.poll_once() == 0:
                    self.idle()
            except Exception as exc:  # the emulator went away, a table was deleted...
                if self.stopping.is_set():
                    break
                self.last_error = f"{type(exc).__name__}: {exc}"
                say("poller", f"{self.name}: {self.last_error}")
                self.stopping.wait(ERROR_PAUSE_SECONDS)

    def stop(self) -> None:
        self.stopping.set()

    def status(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "alive": self.is_alive(),
            "batches": self.batches,
            "failures": self.failures,
            "last_error": self.last_error,
        }


class SqsPoller(Poller):
    kind = "sqs"

    def __init__(self, wiring: SqsWiring, clients: Clients, invoke: Invoke, name: str | None = None) -> None:
        super().__init__(name or f"sqs:{wiring.queue_arn.rsplit(':', 1)[-1]}", clients, invoke)
        self.wiring = wiring

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        response = self.clients("sqs").receive_message(
            QueueUrl=self.wiring.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def poll_once(self, wait: int = SQS_WAIT_SECONDS) -> int:
        """One receive -> invoke -> delete cycle. Returns the number of messages handled."""
        batch = self._receive(self.wiring.batch_size, wait)
        if not batch:
            return 0
        # The batching window, loosely: keep collecting until it closes or the batch is full.
        deadline = time.monotonic() + self.wiring.batching_window
        while len(batch) < self.wiring.batch_size and time.monotonic() < deadline:
            more = self._receive(self.wiring.batch_size - len(batch), 0)
            if not more:
                self.stopping.wait(0.05)
            batch.extend(more)
        records = [sqs_record(m, self.wiring.queue_arn, self.clients.region) for m in batch]
        invoked, result = self.invoke_batch(records)
        if not invoked:
            # The whole batch failed: delete nothing; every message comes back after the
            # visibility timeout and, past maxReceiveCount, goes to the DLQ.
            return len(records)
        failed: set[str] = set()
        if self.wiring.report_failures:
            reported = _failures(result)
            if reported is not None:
                ids = {r["messageId"] for r in records}
                # Lambda treats an unknown or empty identifier as a failure of the whole batch.
                failed = ids if any(i not in ids for i in reported) else set(reported)
                self.failures += 1
        done = [m for m in batch if m["MessageId"] not in failed]
        self._delete_messages(done)
        return len(records)

    def _delete_messages(self, messages: list[dict[str, Any]]) -> None:
        sqs = self.clients("sqs")
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            sqs.delete_message_batch(QueueUrl=self.wiring.queue_url, Entries=entries)


class StreamPoller(Poller):
    kind = "dynamodb-stream"

    def __init__(
        self,
        wiring: StreamWiring,
        clients: Clients,
        invoke: Invoke,
        *,
        name: str | None = None,
        sleep: Callable[[float], object] | None = None,
        writes: WriteSignal | None = None,
    ) -> None:
        super().__init__(name or f"stream:{wiring.table_name}", clients, invoke)
        self.wiring = wiring
        self.writes = writes
        self._seen = 0
        self.sleep: Callable[[float], object] = sleep or self.stopping.wait
        self.iterators: dict[str, str | None] = {}
        self.last_sequence: dict[str, str] = {}  # per shard: the last record read
        self.pending: dict[str, deque[dict[str, Any]]] = {}
        self.attempts = 0
        self.filtered_out = 0

    def start_at(self, position: str = "LATEST") -> None:
        """Open an iterator per shard. Locally LATEST after a restore (see infra.local.state)."""
        streams = self.clients("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=self.wiring.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            self._open(shard["ShardId"], position)
            self.pending.setdefault(shard["ShardId"], deque())

    def _open(self, shard_id: str, position: str, after: str | None = None) -> None:
        at = {"SequenceNumber": after} if after else {}
        self.iterators[shard_id] = self.clients("dynamodbstreams").get_shard_iterator(
            StreamArn=self.wiring.stream_arn, ShardId=shard_id, ShardIteratorType=position, **at
        )["ShardIterator"]

    def _reopen(self, shard_id: str, error: str) -> None:
        """What Lambda does when a shard's iterator stops working: an expired one is opened
        again after the last record read; past the trim horizon (records aged out, or an
        iterator DynamoDB Local no longer accepts) it starts again at the oldest record
        still there (each consumer is idempotent: a record read twice has one effect)."""
        say("poller", f"{self.name}: {error} on {shard_id}: opening its iterator again")
        last = self.last_sequence.get(shard_id)
        if error == "ExpiredIteratorException" and last:
            self._open(shard_id, "AFTER_SEQUENCE_NUMBER", last)
        else:
            self._open(shard_id, "TRIM_HORIZON")

    def idle(self) -> None:
        if self.writes is None:
            self.stopping.wait(STREAM_POLL_SECONDS)
        else:
            self.writes.wait_past(self.wiring.table_name, self._seen, STREAM_POLL_SIGNALLED_SECONDS)

    def stop(self) -> None:
        super().stop()
        if self.writes is not None:
            self.writes.notify({self.wiring.table_name})  # wake it now rather than at its next timer

    def poll_once(self) -> int:
        # Read the generation first: a write after this point wakes the next idle wait.
        self._seen = self.writes.generation(self.wiring.table_name) if self.writes else 0
        handled = 0
        for shard_id in list(self.iterators):
            handled += self._poll_shard(shard_id)
        return handled

    def _poll_shard(self, shard_id: str) -> int:
        pending = self.pending[shard_id]
        if not pending:
            iterator = self.iterators[shard_id]
            if iterator is None:
                return 0  # a closed shard
            response = self._get_records(shard_id, iterator)
            if response is None:
                return 0
            self.iterators[shard_id] = response.get("NextShardIterator")
            if response.get("Records"):
                self.last_sequence[shard_id] = response["Records"][-1]["dynamodb"]["SequenceNumber"]
            for raw in response.get("Records", []):
                record = stream_record(raw, self.wiring.stream_arn, self.clients.region)
                if passes(self.wiring.filters, record):
                    pending.append(record)
                else:
                    self.filtered_out += 1  # Lambda drops records its filters reject
        if not pending:
            return 0
        batch = [pending[i] for i in range(min(self.wiring.batch_size, len(pending)))]
        first_failed = self._invoke(batch)
        done = len(batch) if first_failed is None else first_failed
        for _ in range(done):
            pending.popleft()
        if first_failed is not None:
            # Retry the same records, from the first failure, without advancing the shard.
            delay = RETRY_BACKOFF_SECONDS[min(self.attempts, len(RETRY_BACKOFF_SECONDS) - 1)]
            self.attempts += 1
            self.sleep(delay)
        else:
            self.attempts = 0
        return len(batch)

    def _get_records(self, shard_id: str, iterator: str) -> dict[str, Any] | None:
        """One GetRecords as its wire JSON; None when the iterator had to be opened again."""
        params = {"ShardIterator": iterator, "Limit": 1000}
        # The emulator applies the filters itself (moto_streams.LOCAL_FILTERS); the
        # records it still sends are filtered again by the caller, as on the boto3 path.
        filtered = {**params, LOCAL_FILTERS: list(self.wiring.filters)} if self.wiring.filters else params
        response = self.clients.raw("dynamodbstreams", "GetRecords", filtered)
        if response is not None:
            return response
        try:  # in-process mock_aws, or an error: boto3's parse (or its typed error)
            answer: dict[str, Any] = _jsonable(self.clients("dynamodbstreams").get_records(**params))
            return answer
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code not in REOPENED_ON:
                raise
            self._reopen(shard_id, code)
            return None

    def _invoke(self, batch: list[dict[str, Any]]) -> int | None:
        """Index of the first record to retry, or None when the batch succeeded."""
        invoked, result = self.invoke_batch(batch)
        if not invoked:
            return 0  # retried from its first record
        reported = _failures(result) if self.wiring.report_failures else None
        if reported is None:
            return None
        self.failures += 1
        positions = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(batch)}
        if any(i not in positions for i in reported):
            return 0  # an unknown identifier fails the whole batch, as in Lambda
        first = min(positions[i] for i in reported)
        say("poller", f"{self.name}: {len(batch) - first} of {len(batch)} records reported failed, retrying")
        return first
