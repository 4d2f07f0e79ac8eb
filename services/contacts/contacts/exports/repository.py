"""Storage of CSV exports: the job (EXPORT#<id> / JOB in the contacts table), the job
queue (SQS) and the file (the imports bucket, under exports/<id>.csv)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from contacts import SERVICE
from contacts.exports.models import ExportJob, ExportStatus
from contacts.table.keys import EXPORTS_LIST_PK as JOBS
from contacts.table.keys import JOB_SK, job_list_sk
from contacts.table.keys import export_pk as job_pk
from shared.codec import number, to_av
from shared.settings import get_settings
from shared.table import batch_get, newest_first

URL_SECONDS = 3600
# The bucket's lifecycle rule deletes the files after 7 days: the jobs go with them (TTL),
# so neither a file nor the filter it was made with outlives the other for long.
KEEP = timedelta(days=7)
# S3 multipart: every part but the last must be at least 5 MiB. 8 MiB parts keep the
# worker's memory at one part whatever the export's size (100,000 contacts ~ 15-20 MB).
PART_BYTES = 8 * 1024 * 1024


def object_key(export_id: str) -> str:
    return f"exports/{export_id}.csv"


def _export_id(key: str) -> str:
    return key.removeprefix("exports/").removesuffix(".csv")


def _ddb() -> Any:
    from shared.aws import client

    return client("dynamodb")


def _s3() -> Any:
    from shared.aws import client

    return client("s3")


def _table() -> str:
    return get_settings().table_name(SERVICE)


def _key(export_id: str) -> dict[str, Any]:
    return {"pk": {"S": job_pk(export_id)}, "sk": {"S": JOB_SK}}


def _job(item: dict[str, Any]) -> ExportJob | None:
    if number(item["expires_at"]["N"]) < time.time():
        return None  # TTL deletes expired items within days, not at once
    text = {k: v["S"] for k, v in item.items() if "S" in v}
    return ExportJob(
        id=text["pk"].removeprefix(job_pk("")),
        status=ExportStatus(text["status"]),
        rows=int(number(item["rows"]["N"])),
        columns=json.loads(text["columns"]),
        segment_id=text.get("segment_id"),
        filter=json.loads(text["filter"]) if "filter" in text else None,
        created_at=datetime.fromisoformat(text["created_at"]),
        finished_at=datetime.fromisoformat(text["finished_at"]) if "finished_at" in text else None,
        error=text.get("error"),
    )


def _queue_url() -> str:
    """The job queue's URL, from the template (``CRM_EXPORTS_QUEUE_URL``)."""
    return get_settings().queue_url("exports")


class ExportFile:
    """The CSV streamed to S3 by multipart upload: parts of PART_BYTES are sent as they
    fill, the object appears whole at ``close`` (a crash leaves no partial file; the
    bucket's lifecycle rule aborts uploads left incomplete)."""

    def __init__(self, export_id: str, bucket: str) -> None:
        self.bucket = bucket
        self.key = object_key(export_id)
        self.upload_id: str = _s3().create_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            ContentType="text/csv; charset=utf-8",
            ContentDisposition=f'attachment; filename="contacts-export-{export_id}.csv"',
        )["UploadId"]
        self.parts: list[dict[str, Any]] = []
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= PART_BYTES:
            self._send(bytes(self.buffer))
            self.buffer.clear()

    def close(self) -> None:
        # The last part may be smaller than 5 MiB (or the only one: the header at least).
        self._send(bytes(self.buffer))
        self.buffer.clear()
        _s3().complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        _s3().abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)

    def _send(self, body: bytes) -> None:
        number = len(self.parts) + 1
        etag = _s3().upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
        )["ETag"]
        self.parts.append({"ETag": etag, "PartNumber": number})


class ExportRepository:
    """``bucket``: where the files go (the service's bucket, named by bootstrap)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    # --- job ------------------------------------------------------------------------

    def add_job(self, job: ExportJob, requested_by: str) -> None:
        item: dict[str, Any] = {
            **_key(job.id),
            "status": {"S": job.status.value},
            "rows": to_av(0),
            "columns": {"S": json.dumps(job.columns)},
            "created_at": {"S": job.created_at.isoformat()},
            # Who took a copy of the customers' data (the token's subject: an id, no PII).
            "requested_by": {"S": requested_by},
            "expires_at": to_av(int((job.created_at + KEEP).timestamp())),
        }
        if job.segment_id is not None:
            item["segment_id"] = {"S": job.segment_id}
        if job.filter is not None:
            item["filter"] = {"S": json.dumps(job.filter, sort_keys=True)}
        # Listed with the job, and gone with it (the same TTL).
        listed = {"pk": {"S": JOBS}, "sk": {"S": job_list_sk(job.created_at, job.id)}, "id": {"S": job.id}}
        _ddb().transact_write_items(
            TransactItems=[
                {"Put": {"TableName": _table(), "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": _table(), "Item": {**listed, "expires_at": item["expires_at"]}}},
            ]
        )

    def get_job(self, export_id: str) -> ExportJob | None:
        item = _ddb().get_item(TableName=_table(), Key=_key(export_id), ConsistentRead=True).get("Item")
        return None if item is None else _job(item)

    def jobs_page(self, cursor: str | None, limit: int) -> tuple[list[ExportJob], str | None]:
        """Exports newest first: one query of the list, one BatchGetItem of the jobs."""
        ids, next_cursor = newest_first(_ddb(), _table(), JOBS, cursor, limit)
        jobs = {j.id: j for i in batch_get(_ddb(), _table(), [_key(e) for e in ids]) if (j := _job(i))}
        return [jobs[e] for e in ids if e in jobs], next_cursor

    def start(self, export_id: str) -> bool:
        """queued -> running; running stays running (a redelivery after a crash runs the
        export again from the start: it only reads, and the file is replaced whole).
        False when the job is finished or gone: nothing left to do."""
        return self._set(
            export_id,
            "SET #s = :running, started_at = :at",
            "#s IN (:queued, :running)",
            {":running": ExportStatus.RUNNING, ":queued": ExportStatus.QUEUED},
        )

    def complete(self, export_id: str, rows: int) -> bool:
        return self._set(
            export_id,
            "SET #s = :done, #r = :rows, finished_at = :at",
            "#s = :running",
            {":done": ExportStatus.COMPLETED, ":running": ExportStatus.RUNNING},
            {":rows": to_av(rows)},
        )

    def withdraw(self, export_id: str, reason: str) -> bool:
        """Any job -> withdrawn (its file is being deleted), once."""
        return self._set(
            export_id,
            "SET #s = :withdrawn, #e = :reason, finished_at = :at",
            "#s <> :withdrawn",
            {":withdrawn": ExportStatus.WITHDRAWN},
            {":reason": {"S": reason}},
        )

    def fail(self, export_id: str, reason: str) -> bool:
        """Any unfinished job -> failed, with a reason fit to show (no contact data)."""
        return self._set(
            export_id,
            "SET #s = :failed, #e = :reason, finished_at = :at",
            "#s IN (:queued, :running)",
            {":failed": ExportStatus.FAILED, ":queued": ExportStatus.QUEUED, ":running": ExportStatus.RUNNING},
            {":reason": {"S": reason}},
        )

    def _set(
        self,
        export_id: str,
        update: str,
        condition: str,
        statuses: dict[str, ExportStatus],
        values: dict[str, Any] | None = None,
    ) -> bool:
        try:
            _ddb().update_item(
                TableName=_table(),
                Key=_key(export_id),
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(pk) AND {condition}",
                ExpressionAttributeNames={
                    n: a for n, a in (("#s", "status"), ("#r", "rows"), ("#e", "error")) if n in update
                },
                ExpressionAttributeValues={
                    **{k: {"S": v.value} for k, v in statuses.items()},
                    ":at": {"S": datetime.now(UTC).isoformat()},
                    **(values or {}),
                },
            )
        except _ddb().exceptions.ConditionalCheckFailedException:
            return False
        return True

    # --- SQS and S3 -------------------------------------------------------------------

    def enqueue(self, export_id: str) -> None:
        from shared.aws import client

        client("sqs").send_message(QueueUrl=_queue_url(), MessageBody=json.dumps({"export_id": export_id}))

    def open_file(self, export_id: str) -> ExportFile:
        return ExportFile(export_id, self.bucket)

    def files(self) -> Iterator[tuple[str, str | None]]:
        """(export id, multipart upload id) of every export file: those being written
        (their upload id) and those written (None). Bounded by the bucket's 7-day expiry."""
        bucket, prefix = self.bucket, "exports/"
        for page in _s3().get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                yield _export_id(upload["Key"]), str(upload["UploadId"])
        for page in _s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for found in page.get("Contents", []):
                yield _export_id(found["Key"]), None

    def delete_file(self, export_id: str, upload_id: str | None) -> None:
        """Abort a file being written (its worker's next part or completion then fails) or
        delete a written one."""
        key = object_key(export_id)
        if upload_id is None:
            _s3().delete_object(Bucket=self.bucket, Key=key)
            return
        with contextlib.suppress(_s3().exceptions.NoSuchUpload):  # completed or aborted meanwhile
            _s3().abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def download_url(self, export_id: str) -> str:
        url: str = _s3().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": object_key(export_id)}, ExpiresIn=URL_SECONDS
        )
        return url
