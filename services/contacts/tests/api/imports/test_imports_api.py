"""CSV imports against moto: upload, start, chunks processed by the worker, exact
per-row results, progress, idempotent chunk redelivery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from shared.testing import bearer, sqs_event

HEADER = "email,first_name,last_name,phone,country,tags,lifecycle_stage\n"


@pytest.fixture
def client(table: str) -> Iterator[Client]:
    """The app on the root conftest's table and buckets (template-made, with the functions'
    environment: the queue URL below is the one CRM_IMPORTS_QUEUE_URL names)."""
    boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="crm-dev-contacts-imports")
    from contacts.api import app

    with Client(app) as c:
        yield c


def _call(client: Client, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
    response = getattr(client.http, method)(path, headers=bearer(role), body=json.dumps(body) if body else None)
    return response.status_code, json.loads(response.body) if response.body else None


def _drain(client: Client) -> list[dict[str, Any]]:
    """Play Lambda's SQS event source: every chunk message to import_worker."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="crm-dev-contacts-imports")["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in messages:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    for body in bodies:
        result = client.lambda_.invoke("import_worker", sqs_event([body]))
        assert result.payload == {"batchItemFailures": []}
    return [json.loads(b) for b in bodies]


def _started_chunk(client: Client, rows: list[str]) -> tuple[str, dict[str, Any]]:
    _, job = _call(client, "post", "/imports")
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="crm-dev-contacts-imports", Key=f"imports/{job['id']}.csv", Body=(HEADER + "\n".join(rows)).encode()
    )
    assert _call(client, "post", f"/imports/{job['id']}/start")[0] == 202
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="crm-dev-contacts-imports")["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    return job["id"], sqs_event([message["Body"]])


def test_an_import_reports_exactly_what_happened_to_every_row(client: Client) -> None:
    status, existing = _call(client, "post", "/", {"email": "old@example.com", "first_name": "Old", "last_name": "One"})
    assert status == 201
    rows = [
        "a@example.com,Ann,Lee,+14155550001,US,vip;new,customer",  # 1 created
        "old@example.com,Olde,One,,,,",  # 2 updated (upsert on email)
        "A@example.com,Ann,Again,,,,",  # 3 skipped: duplicate of row 1
        "not-an-email,Bad,Row,,,,",  # 4 error: email
        "b@example.com,Bo,,,,,",  # 5 error: last_name
        "c@example.com,Cy,Moe,12345,,,",  # 6 error: phone without country
        "d@example.com,Di,Poe,+14155550001,,,",  # 7 error: phone of row 1
    ]
    status, job = _call(client, "post", "/imports", role="marketer")
    assert status == 201 and job["status"] == "awaiting_upload" and job["upload_url"].startswith("https://")
    assert _call(client, "post", f"/imports/{job['id']}/start")[0] == 422  # nothing uploaded yet
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="crm-dev-contacts-imports", Key=f"imports/{job['id']}.csv", Body=(HEADER + "\n".join(rows)).encode()
    )
    status, started = _call(client, "post", f"/imports/{job['id']}/start")
    assert status == 202 and started["total"] == 7 and started["skipped"] == 1
    # Starting again (the upload's S3 event, or the client) changes nothing and queues nothing
    assert _call(client, "post", f"/imports/{job['id']}/start") == (202, started)
    # and the file (personal data) is gone: its rows now travel in the queued chunks
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="crm-dev-contacts-imports")
    assert listed.get("KeyCount") == 0

    [chunk] = _drain(client)

    _, progress = _call(client, "get", f"/imports/{job['id']}")
    assert {k: progress[k] for k in ("status", "total", "processed", "created", "updated", "skipped", "errors")} == {
        "status": "completed",
        "total": 7,
        "processed": 7,
        "created": 1,
        "updated": 1,
        "skipped": 1,
        "errors": 4,
    }
    _, errors = _call(client, "get", f"/imports/{job['id']}/rows?status=error")
    assert [(r["row"], r["errors"][0]["field"]) for r in errors["items"]] == [
        (4, "email"),
        (5, "last_name"),
        (6, "phone"),
        (7, "phone"),
    ]
    _, page = _call(client, "get", f"/imports/{job['id']}/rows?limit=3")
    assert len(page["items"]) == 3 and page["next_cursor"]
    _, fetched = _call(client, "get", f"/{existing['id']}")
    assert fetched["first_name"] == "Olde" and fetched["version"] == 2
    _, found = _call(client, "get", "/?tag=vip")
    assert [c["email"] for c in found["items"]] == ["a@example.com"]
    assert found["items"][0]["phone"] == "+14155550001" and found["items"][0]["lifecycle_stage"] == "customer"

    # A redelivered chunk counts nothing twice.
    client.lambda_.invoke("import_worker", sqs_event([json.dumps(chunk)]))
    assert _call(client, "get", f"/imports/{job['id']}")[1]["created"] == 1


def _imported(client: Client, rows: list[str]) -> tuple[dict[str, Any], dict[int, Any]]:
    """Upload, start and process an import: its job and its rows' results by number."""
    _, job = _call(client, "post", "/imports")
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="crm-dev-contacts-imports", Key=f"imports/{job['id']}.csv", Body=(HEADER + "\n".join(rows)).encode()
    )
    _call(client, "post", f"/imports/{job['id']}/start")
    _drain(client)
    _, done = _call(client, "get", f"/imports/{job['id']}")
    _, page = _call(client, "get", f"/imports/{job['id']}/rows")
    return done, {r["row"]: r for r in page["items"]}


def test_imports_are_listed_newest_first_with_their_progress(client: Client) -> None:
    first, _ = _imported(client, ["one@example.com,One,Lee,,,,"])
    second = _call(client, "post", "/imports", role="marketer")[1]
    status, page = _call(client, "get", "/imports?limit=1")
    assert status == 200 and [j["id"] for j in page["items"]] == [second["id"]] and page["next_cursor"]
    _, rest = _call(client, "get", f"/imports?limit=1&cursor={page['next_cursor']}")
    assert [(j["id"], j["status"], j["created"]) for j in rest["items"]] == [(first["id"], "completed", 1)]
    assert _call(client, "get", "/imports", role="sales")[0] == 403
    assert _call(client, "get", "/imports?limit=0")[1]["errors"][0]["field"] == "limit"


def test_an_older_file_does_not_bring_back_a_person_erased_on_request(client: Client) -> None:
    # Given two imported people, one of whom is then erased on their request
    _, rows = _imported(client, ["gone@example.com,Gon,Away,,,,", "back@example.com,Bea,Back,,,,"])
    assert _call(client, "post", f"/{rows[1]['contact_id']}/erase")[0] == 200
    # (the other is erased too, and then signs up again by themselves)
    assert _call(client, "post", f"/{rows[2]['contact_id']}/erase")[0] == 200
    status, again = _call(client, "post", "/", {"email": "back@example.com", "first_name": "Bea", "last_name": "B"})
    assert status == 201
    # When the same old file is imported again
    job, results = _imported(client, ["GONE@example.com,Gon,Away,,,,", "back@example.com,Bea,Back,,,,"])
    # Then the erased person is skipped and says why; the one who came back is updated
    assert (job["status"], job["created"], job["updated"], job["skipped"], job["errors"]) == ("completed", 0, 1, 1, 0)
    assert (results[1]["status"], results[1]["errors"]) == (
        "skipped",
        [{"field": "email", "message": "this person's data was erased on their request: not imported"}],
    )
    assert (results[2]["status"], results[2]["contact_id"]) == ("updated", again["id"])
    assert _call(client, "get", "/?q=gone@example.com")[1]["items"] == []
    # and the table does not hold the erased address, only its hash
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="crm-dev-contacts")["Items"]
    assert "gone@example.com" not in json.dumps([i for i in items if not i["pk"]["S"].startswith("OUTBOX#")])


def test_a_chunk_failing_on_its_last_delivery_reports_its_rows_and_the_job_completes(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a started import whose chunk processing keeps crashing
    import_id, event = _started_chunk(client, ["e@example.com,Eve,Ray,,,,", "f@example.com,Fay,Ray,,,,"])

    def crash(*args: Any) -> None:
        raise RuntimeError("downstream outage")

    monkeypatch.setattr("contacts.imports.usecases.process_chunk", crash)
    # When it fails before its last delivery, it is retried ...
    assert client.lambda_.invoke("import_worker", event).payload["batchItemFailures"]
    assert _call(client, "get", f"/imports/{import_id}")[1]["status"] != "completed"
    # ... and on its last delivery its rows become errors and the job completes
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "3"
    assert client.lambda_.invoke("import_worker", event).payload == {"batchItemFailures": []}
    _, progress = _call(client, "get", f"/imports/{import_id}")
    assert (progress["status"], progress["processed"], progress["errors"]) == ("completed", 2, 2)
    _, errors = _call(client, "get", f"/imports/{import_id}/rows?status=error")
    assert [(r["row"], r["errors"][0]["field"]) for r in errors["items"]] == [(1, "row"), (2, "row")]


def test_a_chunk_dead_lettered_after_its_worker_timed_out_ends_as_errors_once_its_lease_expires(
    client: Client,
) -> None:
    # Given a started import whose worker timed out on every delivery: it holds the
    # chunk's lease (until the lease expires) and never reported, so SQS dead-lettered it
    import_id, event = _started_chunk(client, ["i@example.com,Ivy,Ray,,,,", "j@example.com,Jo,Ray,,,,"])
    from contacts.bootstrap import import_repository

    assert import_repository().lease_chunk(import_id, 0, 120)
    # When the dead-letter consumer takes it while the lease holds, it waits
    assert client.lambda_.invoke("import_dead_letters", event).payload["batchItemFailures"]
    assert _call(client, "get", f"/imports/{import_id}")[1]["status"] == "running"
    # Then, once the lease is gone, its rows become errors and the job completes, once
    import_repository().release_chunk(import_id, 0)
    notice = sqs_event([json.dumps({"Records": [{"s3": {"object": {"key": "imports/x.csv"}}}]})])["Records"]
    both = {"Records": [*event["Records"], *notice]}  # an upload notice is only logged
    for _ in range(2):
        assert client.lambda_.invoke("import_dead_letters", both).payload == {"batchItemFailures": []}
    _, progress = _call(client, "get", f"/imports/{import_id}")
    assert (progress["status"], progress["processed"], progress["errors"]) == ("completed", 2, 2)
    _, errors = _call(client, "get", f"/imports/{import_id}/rows?status=error")
    assert [(r["row"], r["errors"][0]["message"]) for r in errors["items"]] == [
        (n, "could not be processed (the import worker stopped); import it again") for n in (1, 2)
    ]


def test_a_chunk_delivered_twice_at_once_is_processed_by_one_delivery(client: Client) -> None:
    # Given a started import whose chunk another delivery is processing right now
    import_id, event = _started_chunk(client, ["g@example.com,Gus,Ray,,,,", "h@example.com,Hal,Ray,,,,"])
    from contacts.bootstrap import import_repository

    assert import_repository().lease_chunk(import_id, 0, 120)
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "3"

    # When this delivery arrives, even as the last one, it neither processes nor gives up
    assert client.lambda_.invoke("import_worker", event).payload["batchItemFailures"]
    _, progress = _call(client, "get", f"/imports/{import_id}")
    assert (progress["processed"], progress["errors"]) == (0, 0)
    assert _call(client, "get", f"/imports/{import_id}/rows")[1]["items"] == []

    # Then once the lease is gone (its holder crashed and released it), a delivery runs it
    import_repository().release_chunk(import_id, 0)
    assert client.lambda_.invoke("import_worker", event).payload == {"batchItemFailures": []}
    assert _call(client, "get", f"/imports/{import_id}")[1]["created"] == 2


def test_a_contact_created_while_its_row_is_imported_keeps_its_email(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a chunk that read the claims before an API create of the same email
    import_id, event = _started_chunk(client, ["k@example.com,Kim,Ray,,,t,", "l@example.com,Lou,Ray,,,t,"])
    monkeypatch.setattr("contacts.imports.repository.ImportRepository.claim_holders", lambda self, keys: {})
    _, api_made = _call(client, "post", "/", {"email": "k@example.com", "first_name": "Kim", "last_name": "Api"})

    # When the chunk runs
    assert client.lambda_.invoke("import_worker", event).payload == {"batchItemFailures": []}

    # Then the API's contact keeps its email and the row says why it was not created
    _, rows = _call(client, "get", f"/imports/{import_id}/rows?status=error")
    assert [(r["row"], r["errors"][0]["field"]) for r in rows["items"]] == [(1, "email")]
    _, found = _call(client, "get", "/?q=k@example.com")
    assert [c["id"] for c in found["items"]] == [api_made["id"]]
    _, tagged = _call(client, "get", "/?tag=t")
    assert [c["email"] for c in tagged["items"]] == ["l@example.com"]


def test_a_chunk_cut_short_is_completed_by_its_retry_with_the_same_contacts(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a chunk whose first delivery wrote its contacts, then crashed before counting
    import_id, event = _started_chunk(client, ["m@example.com,Max,Ray,+14155550199,US,u,"])
    from contacts.imports.repository import ImportRepository

    finish = ImportRepository.finish_chunk
    monkeypatch.setattr(ImportRepository, "finish_chunk", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    assert client.lambda_.invoke("import_worker", event).payload["batchItemFailures"]
    _, first = _call(client, "get", "/?tag=u")

    # When it is delivered again
    monkeypatch.setattr(ImportRepository, "finish_chunk", finish)
    assert client.lambda_.invoke("import_worker", event).payload == {"batchItemFailures": []}

    # Then the same contact is completed, once, and counted as created
    _, again = _call(client, "get", "/?tag=u")
    assert [c["id"] for c in again["items"]] == [c["id"] for c in first["items"]]
    assert len(again["items"]) == 1 and again["items"][0]["phone"] == "+14155550199"
    assert _call(client, "get", f"/imports/{import_id}")[1]["created"] == 1


def test_an_uploaded_csv_starts_its_import_from_the_s3_event(client: Client) -> None:
    # Given an import whose CSV was uploaded, and the S3 notice of the upload
    _, job = _call(client, "post", "/imports")
    key = f"imports/{job['id']}.csv"
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="crm-dev-contacts-imports", Key=key, Body=(HEADER + "n@example.com,Nia,Ray,,,,").encode()
    )
    notice = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key}}}]}
    unknown = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "imports/nope.csv"}}}]}
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent"}

    # When import_uploaded receives it (twice, beside an unknown key and S3's test event)
    event = sqs_event([json.dumps(notice), json.dumps(unknown), json.dumps(test_event), json.dumps(notice)])
    assert client.lambda_.invoke("import_uploaded", event).payload == {"batchItemFailures": []}

    # Then the import started once, without POST .../start
    _, progress = _call(client, "get", f"/imports/{job['id']}")
    assert (progress["status"], progress["total"]) == ("running", 1)
    assert [chunk["import_id"] for chunk in _drain(client)] == [job["id"]]  # one chunk queued, once
    assert _call(client, "get", f"/imports/{job['id']}")[1]["created"] == 1
