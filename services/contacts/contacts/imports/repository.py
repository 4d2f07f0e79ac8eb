"""Storage of CSV imports: the job and row results (IMPORT#<id>), the uploaded file (S3),
the chunk queue (SQS), and the bulk writes of new contacts (BatchWriteItem)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contacts import SERVICE
from contacts.imports.models import ImportJob, ImportStatus, RowResult
from contacts.table.keys import (
    CLAIM,
    JOB_SK,
    SUPPRESS,
    chunk_sk,
    import_rows_prefix,
    job_list_sk,
    lease_sk,
    suppression_pk,
)
from contacts.table.keys import IMPORTS_LIST_PK as JOBS
from contacts.table.keys import import_pk as job_pk
from contacts.table.keys import import_row_sk as row_sk
from shared.codec import from_item, to_av
from shared.events import Outgoing
from shared.outbox import outbox_put
from shared.pagination import decode_cursor, encode_cursor
from shared.settings import get_settings
from shared.table import batch_get, newest_first

if TYPE_CHECKING:
    from contacts.imports.ports import BulkRecords
    from contacts.records.models import Contact

BATCH_WRITE = 25
TRANSACT_ITEMS = 100
WRITERS = 8  # parallel BatchWriteItem calls per chunk: the table takes them, one call is ~ms
URL_SECONDS = 3600
LEASE_KEPT_SECONDS = 86_400  # TTL: a lease item outlives any retry of its chunk
SQS_BATCH_BYTES = 200_000  # under SQS's 256 KiB per SendMessageBatch


def _job(item: dict[str, Any]) -> ImportJob:
    plain = from_item(item) or {}
    values: dict[str, Any] = {k: v for k, v in plain.items() if "N" in item[k]}
    values.update(id=plain["pk"].removeprefix(job_pk("")), status=plain["status"], created_at=plain["created_at"])
    return ImportJob.model_validate(values)


def upload_key(import_id: str) -> str:
    return f"imports/{import_id}.csv"


def _ddb() -> Any:
    from shared.aws import client

    # Every request here is built by this module; botocore re-validating thousands of
    # items per chunk was 15% of the worker's CPU.
    return client("dynamodb", validate=False)


def _table() -> str:
    return get_settings().table_name(SERVICE)


def _queue_url() -> str:
    """The chunk queue's URL, from the template (``CRM_IMPORTS_QUEUE_URL``)."""
    return get_settings().queue_url("imports")


def _s3() -> Any:
    from shared.aws import client

    return client("s3")


class ImportRepository:
    """``records`` writes out records' items for a bulk load (contacts.imports.ports);
    ``bucket`` holds the uploads (the service's bucket): bootstrap passes both in."""

    def __init__(self, records: BulkRecords, bucket: str) -> None:
        self._records = records
        self.bucket = bucket

    # --- job ------------------------------------------------------------------------

    def add_job(self, job: ImportJob) -> None:
        """The job and its entry in the list of imports, together."""
        job_item = {
            "pk": {"S": job_pk(job.id)},
            "sk": {"S": JOB_SK},
            "status": {"S": job.status.value},
            "created_at": {"S": job.created_at.isoformat()},
            **{k: to_av(0) for k in ("total", "processed", "created", "updated", "skipped", "errors")},
        }
        listed = {"pk": {"S": JOBS}, "sk": {"S": job_list_sk(job.created_at, job.id)}, "id": {"S": job.id}}
        _ddb().transact_write_items(
            TransactItems=[
                {"Put": {"TableName": _table(), "Item": job_item, "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": _table(), "Item": listed}},
            ]
        )

    def get_job(self, import_id: str) -> ImportJob | None:
        item = (
            _ddb()
            .get_item(
                TableName=_table(), Key={"pk": {"S": job_pk(import_id)}, "sk": {"S": JOB_SK}}, ConsistentRead=True
            )
            .get("Item")
        )
        return None if item is None else _job(item)

    def jobs_page(self, cursor: str | None, limit: int) -> tuple[list[ImportJob], str | None]:
        """Imports newest first: one query of the list, one BatchGetItem of the jobs."""
        ids, next_cursor = newest_first(_ddb(), _table(), JOBS, cursor, limit)
        found = {i["pk"]["S"]: _job(i) for i in _batch_get([job_pk(i) for i in ids], JOB_SK)}
        return [found[job_pk(i)] for i in ids if job_pk(i) in found], next_cursor

    def start_job(self, import_id: str, total: int, skipped: int) -> bool:
        """awaiting_upload -> running, once (a second start is refused by the condition)."""
        try:
            _ddb().update_item(
                TableName=_table(),
                Key={"pk": {"S": job_pk(import_id)}, "sk": {"S": JOB_SK}},
                UpdateExpression="SET #s = :running, #t = :t, #k = :k, #p = :k",
                ConditionExpression="#s = :waiting",
                ExpressionAttributeNames={"#s": "status", "#t": "total", "#k": "skipped", "#p": "processed"},
                ExpressionAttributeValues={
                    ":running": {"S": ImportStatus.RUNNING.value},
                    ":waiting": {"S": ImportStatus.AWAITING_UPLOAD.value},
                    ":t": to_av(total),
                    ":k": to_av(skipped),
                },
            )
        except _ddb().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def finish_chunk(self, import_id: str, chunk: int, counts: dict[str, int], event: Outgoing | None) -> bool:
        """Count one chunk's results once: the chunk marker, the counters and the chunk's
        event commit together; a redelivered chunk finds its marker and counts nothing."""
        table = _table()
        adds = ", ".join(f"#{k} :{k}" for k in counts)  # names: some are reserved words
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": table,
                    "Item": {"pk": {"S": job_pk(import_id)}, "sk": {"S": chunk_sk(chunk)}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": job_pk(import_id)}, "sk": {"S": JOB_SK}},
                    "UpdateExpression": f"ADD {adds}",
                    "ExpressionAttributeNames": {f"#{k}": k for k in counts},
                    "ExpressionAttributeValues": {f":{k}": to_av(v) for k, v in counts.items()},
                }
            },
        ]
        if event is not None:
            writes.append(outbox_put(table, event))
        try:
            _ddb().transact_write_items(TransactItems=writes)
        except _ddb().exceptions.TransactionCanceledException:
            return False
        job = self.get_job(import_id)
        if job is not None and job.processed >= job.total and job.status is ImportStatus.RUNNING:
            _ddb().update_item(
                TableName=table,
                Key={"pk": {"S": job_pk(import_id)}, "sk": {"S": JOB_SK}},
                UpdateExpression="SET #s = :done, finished_at = :at",
                ConditionExpression="#s = :running",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":done": {"S": ImportStatus.COMPLETED.value},
                    ":running": {"S": ImportStatus.RUNNING.value},
                    ":at": {"S": datetime.now(UTC).isoformat()},
                },
            )
        return True

    def lease_chunk(self, import_id: str, chunk: int, seconds: int) -> bool:
        """Take the chunk for ``seconds`` unless another delivery of it holds it: SQS may
        deliver a message twice at once, and both would write the same rows' results."""
        now = int(time.time())
        try:
            _ddb().put_item(
                TableName=_table(),
                Item={
                    "pk": {"S": job_pk(import_id)},
                    "sk": {"S": lease_sk(chunk)},
                    "lease_until": to_av(now + seconds),
                    "expires_at": to_av(now + LEASE_KEPT_SECONDS),
                },
                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now",
                ExpressionAttributeValues={":now": to_av(now)},
            )
        except _ddb().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_chunk(self, import_id: str, chunk: int) -> None:
        key = {"pk": {"S": job_pk(import_id)}, "sk": {"S": lease_sk(chunk)}}
        _ddb().delete_item(TableName=_table(), Key=key)

    def chunk_done(self, import_id: str, chunk: int) -> bool:
        key = {"pk": {"S": job_pk(import_id)}, "sk": {"S": chunk_sk(chunk)}}
        return "Item" in _ddb().get_item(TableName=_table(), Key=key, ConsistentRead=True)

    # --- rows -------------------------------------------------------------------------

    def write_results(self, import_id: str, results: list[RowResult]) -> None:
        items = []
        for r in results:
            item: dict[str, Any] = {
                "pk": {"S": job_pk(import_id)},
                "sk": {"S": row_sk(r.status.value, r.row)},
                "result": {"S": r.model_dump_json(exclude_defaults=True)},
            }
            items.append(item)
        self.batch_put(items)

    def rows_page(
        self, import_id: str, status: str | None, cursor: str | None, limit: int
    ) -> tuple[list[RowResult], str | None]:
        prefix = import_rows_prefix(status)
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":pk": {"S": job_pk(import_id)}, ":p": {"S": prefix}},
            "Limit": limit,
        }
        of = f"contacts/imports/{import_id}/rows/{status or ''}"  # this import's rows, this filter
        start = decode_cursor(cursor, of=of)
        if start:
            kwargs["ExclusiveStartKey"] = {"pk": {"S": job_pk(import_id)}, "sk": {"S": str(start["after"])}}
        page = _ddb().query(**kwargs)
        rows = [RowResult.model_validate_json(i["result"]["S"]) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return rows, encode_cursor({"after": last["sk"]["S"]}, of=of) if last else None

    # --- contacts in bulk ------------------------------------------------------------------

    def claim_holders(self, keys: list[str]) -> dict[str, str]:
        """claim key -> contact id, for those of ``keys`` that are claimed."""
        return {item["pk"]["S"]: item["contact_id"]["S"] for item in _batch_get(keys, CLAIM)}

    def erased(self, email_claims: list[str]) -> set[str]:
        """Those of ``email_claims`` whose person was erased (keys.suppression_pk)."""
        hashed = {suppression_pk(c): c for c in email_claims}
        return {hashed[item["pk"]["S"]] for item in _batch_get(list(hashed), SUPPRESS)}

    def add_many(self, contacts: list[Contact]) -> set[str]:
        """New contacts with their claims and index entries. Returns the ids of those not
        written because a claim (email, phone) was taken meanwhile, e.g. by an API create.

        Claims first, as conditional puts (BatchWriteItem cannot be conditional, and
        would overwrite a claim taken since claim_holders read them); then profiles and
        index entries in parallel batch writes. Ids and timestamps are derived from the
        import row, so a redelivered chunk rewrites the same items: a chunk cut short
        midway is completed by its retry, never left with half-written contacts."""
        wanted = [(k, c.id) for c in contacts for k in sorted(self._records.claim_keys(c))]
        groups = [wanted[i : i + TRANSACT_ITEMS] for i in range(0, len(wanted), TRANSACT_ITEMS)]
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            held = [ok for group in pool.map(self._claim_all, groups) for ok in group]
        lost = {cid for (_, cid), ok in zip(wanted, held, strict=True) if not ok}
        for key, cid in wanted:
            if cid in lost:
                self._unclaim(key, cid)
        items: list[dict[str, Any]] = []
        for contact in contacts:
            if contact.id in lost:
                continue
            items.extend(self._records.bulk_items(contact))
        self.batch_put(items)
        return lost

    def _claim_all(self, group: list[tuple[str, str]]) -> list[bool]:
        """Conditional claim puts, up to 100 in one transaction (one request instead of
        100); a claim taken meanwhile, or already ours from a cut-short delivery, cancels
        it, and then each is tried on its own (``_claim``, which accepts our own)."""
        puts = [
            {
                "Put": {
                    "TableName": _table(),
                    "Item": self._records.claim_item(key, cid),
                    # No values: one condition text for every claim (parsed once locally).
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for key, cid in group
        ]
        try:
            _ddb().transact_write_items(TransactItems=puts)
        except _ddb().exceptions.TransactionCanceledException:
            return [self._claim(key, cid) for key, cid in group]
        return [True] * len(group)

    def _claim(self, key: str, contact_id: str) -> bool:
        try:
            _ddb().put_item(
                TableName=_table(),
                Item=self._records.claim_item(key, contact_id),
                ConditionExpression="attribute_not_exists(pk) OR contact_id = :me",
                ExpressionAttributeValues={":me": {"S": contact_id}},
            )
        except _ddb().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _unclaim(self, key: str, contact_id: str) -> None:
        try:
            _ddb().delete_item(
                TableName=_table(),
                Key={"pk": {"S": key}, "sk": {"S": CLAIM}},
                ConditionExpression="contact_id = :me",
                ExpressionAttributeValues={":me": {"S": contact_id}},
            )
        except _ddb().exceptions.ConditionalCheckFailedException:
            pass  # never ours, or already released

    def batch_put(self, items: list[dict[str, Any]]) -> None:
        batches = [items[i : i + BATCH_WRITE] for i in range(0, len(items), BATCH_WRITE)]
        if not batches:
            return
        with ThreadPoolExecutor(max_workers=min(WRITERS, len(batches))) as pool:
            for _ in pool.map(self._write_batch, batches):
                pass

    def _write_batch(self, batch: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {_table(): [{"PutRequest": {"Item": item}} for item in batch]}
        for attempt in range(8):
            request = _ddb().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if not request:
                return
            time.sleep(0.02 * 2**attempt)  # throttled: back off, then send what is left
        raise RuntimeError("batch write kept leaving items unprocessed")

    # --- S3 and SQS ----------------------------------------------------------------------

    def upload_url(self, import_id: str) -> str:
        url: str = _s3().generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": upload_key(import_id), "ContentType": "text/csv"},
            ExpiresIn=URL_SECONDS,
        )
        return url

    def read_upload(self, import_id: str) -> bytes | None:
        try:
            body: bytes = _s3().get_object(Bucket=self.bucket, Key=upload_key(import_id))["Body"].read()
        except _s3().exceptions.NoSuchKey:
            return None
        return body

    def delete_upload(self, import_id: str) -> None:
        _s3().delete_object(Bucket=self.bucket, Key=upload_key(import_id))

    def send_chunks(self, import_id: str, chunks: list[list[Any]], at: str) -> None:
        from shared.aws import client

        sqs = client("sqs")
        entries: list[dict[str, str]] = []
        size = 0
        for number, rows in enumerate(chunks):
            body = json.dumps({"import_id": import_id, "chunk": number, "at": at, "rows": rows}, separators=(",", ":"))
            if entries and (len(entries) == 10 or size + len(body) > SQS_BATCH_BYTES):
                _send(sqs, entries)
                entries, size = [], 0
            entries.append({"Id": str(number), "MessageBody": body})
            size += len(body)
        if entries:
            _send(sqs, entries)


def _send(sqs: Any, entries: list[dict[str, str]]) -> None:
    pending = entries
    for _ in range(4):
        failed = {f["Id"] for f in sqs.send_message_batch(QueueUrl=_queue_url(), Entries=pending).get("Failed", [])}
        pending = [e for e in pending if e["Id"] in failed]
        if not pending:
            return
    raise RuntimeError(f"SQS refused {len(pending)} import chunks")


def _batch_get(pks: list[str], sk: str) -> list[dict[str, Any]]:
    """The items (pk, sk) that exist, for each of ``pks``."""
    return batch_get(_ddb(), _table(), [{"pk": {"S": k}, "sk": {"S": sk}} for k in dict.fromkeys(pks)])
