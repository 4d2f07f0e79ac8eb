"""CSV exports against moto: a filtered list or a segment, written by export_worker from
its queue, downloaded through the presigned URL; exact rows, chosen columns, a file that
re-imports, problem details for what is wrong, roles, redelivery and failure."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client

from contacts.exports.models import IMPORTABLE_COLUMNS, ExportFilter
from shared.testing import bearer, call, pending_outbox, sqs_event

TABLE = "crm-dev-contacts"
BUCKET = "crm-dev-contacts-imports"
EXPORTS_QUEUE = "crm-dev-contacts-exports"
IMPORTS_QUEUE = "crm-dev-contacts-imports"


@pytest.fixture(autouse=True)
def buckets_and_queues(table: str) -> Iterator[None]:
    """The queues resources.yaml adds beside the table and buckets, in the same mock."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    for name in (EXPORTS_QUEUE, IMPORTS_QUEUE):
        sqs.create_queue(QueueName=name)
    from contacts.bootstrap import segment_store

    segment_store().forget_definitions()  # a new table per test
    yield


def status_body(response: Any) -> Any:
    """(status, parsed body) of a shared.testing.call response."""
    return response.status_code, response.json


def create(client: Client, email: str, first: str, last: str, **fields: Any) -> dict[str, Any]:
    status, contact = status_body(
        call(client, "post", "/", {"email": email, "first_name": first, "last_name": last, **fields})
    )
    assert status == 201, contact
    return dict(contact)


def take(queue: str) -> list[str]:
    """Every message waiting on a queue (Lambda's event source takes them the same way)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in messages:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def run_exports(client: Client) -> list[str]:
    bodies = take(EXPORTS_QUEUE)
    for body in bodies:
        assert client.lambda_.invoke("export_worker", sqs_event([body])).payload == {"batchItemFailures": []}
    return bodies


def export(client: Client, body: dict[str, Any], role: str = "marketer") -> dict[str, Any]:
    """POST, run the worker, GET: the completed job."""
    status, job = status_body(call(client, "post", "/exports", body, role=role))
    assert status == 202, job
    assert run_exports(client) == [json.dumps({"export_id": job["id"]})]
    status, done = status_body(call(client, "get", f"/exports/{job['id']}", role=role))
    assert status == 200 and done["status"] == "completed", done
    return dict(done)


def download(job: dict[str, Any]) -> list[list[str]]:
    """The file through its presigned URL (moto answers presigned requests in-process)."""
    response = requests.get(job["download_url"], timeout=10)
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def relay_to_on_event(client: Client) -> None:
    """What the outbox relay and the bus do: contacts' own events reach on_event, which
    keeps segment membership."""
    events = pending_outbox(TABLE)
    for start in range(0, len(events), 10):
        result = client.lambda_.invoke("on_event", sqs_event(events[start : start + 10]))
        assert result.payload == {"batchItemFailures": []}


def test_a_filter_export_holds_exactly_the_listed_contacts_in_the_chosen_columns(client: Client) -> None:
    # Given contacts, two of them VIPs, one with a name that needs quoting
    ann = create(client, "ann@example.com", "Ann", "Lee", tags=["VIP", "new"], address={"country": "US"})
    create(client, "cat@example.com", "Cat", "Moe", tags=["new"])
    bob = create(
        client, "bob@example.com", "Bob", 'O\'Neil, "Jr"', phone="+33142685300", tags=["vip"], address={"city": "Paris"}
    )
    # When a marketer exports the VIPs (tag matched like GET /contacts?tag=: case-folded)
    columns = ["id", "email", "last_name", "phone", "tags", "country", "city", "lifecycle_stage"]
    status, job = status_body(
        call(client, "post", "/exports", {"filter": {"tag": "VIP"}, "columns": columns}, role="marketer")
    )
    # Then the job is queued, and readable before it runs (no download yet)
    assert status == 202 and (job["status"], job["rows"], job["columns"]) == ("queued", 0, columns)
    assert job["filter"] == {"tag": "VIP"} and job["download_url"] is None
    assert status_body(call(client, "get", f"/exports/{job['id']}"))[1]["status"] == "queued"
    run_exports(client)
    status, done = status_body(call(client, "get", f"/exports/{job['id']}", role="manager"))
    assert (done["status"], done["rows"]) == ("completed", 2) and done["finished_at"]
    # ... and the file is the list's rows, in the list's order, quoted where needed
    assert download(done) == [
        columns,
        [ann["id"], "ann@example.com", "Lee", "", "vip;new", "US", "", "lead"],
        # A phone's leading + is escaped, like any cell a spreadsheet would run as a formula
        [bob["id"], "bob@example.com", 'O\'Neil, "Jr"', "'+33142685300", "vip", "", "Paris", "lead"],
    ]
    listed = status_body(call(client, "get", "/?tag=vip"))[1]
    assert [c["id"] for c in listed["items"]] == [ann["id"], bob["id"]]


def test_the_default_columns_re_import_unchanged(client: Client) -> None:
    # Given custom fields and contacts using every importable column
    for definition in ({"name": "score", "type": "number"}, {"name": "newsletter", "type": "boolean"}):
        assert status_body(call(client, "post", "/fields", definition))[0] == 201
    create(
        client,
        "dee@example.com",
        "Dee",
        "Ray",
        phone="+14155550100",
        lifecycle_stage="customer",
        company_id="co-1",
        address={"country": "US", "region": "CA", "city": "San Jose"},
        tags=["a", "b c"],
        custom_fields={"score": 2.5, "newsletter": True},
    )
    create(client, "eve@example.com", "Eve", "Zed", custom_fields={"score": 7})
    before = {c["id"]: c for c in status_body(call(client, "get", "/?limit=100"))[1]["items"]}
    # When everything is exported with the default columns
    job = export(client, {"filter": {}})
    rows = download(job)
    assert job["rows"] == 2 and rows[0] == [*IMPORTABLE_COLUMNS, "custom.newsletter", "custom.score"]
    assert rows[1] == [
        "dee@example.com",
        "Dee",
        "Ray",
        "'+14155550100",
        "customer",
        "co-1",
        "US",
        "CA",
        "San Jose",
        "a;b c",
        "true",
        "2.5",
    ]
    # Then the file imports back: every row updates its contact, none is an error
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    status, imported = status_body(call(client, "post", "/imports"))
    assert status == 201
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=BUCKET, Key=f"imports/{imported['id']}.csv", Body=buffer.getvalue().encode()
    )
    assert status_body(call(client, "post", f"/imports/{imported['id']}/start"))[0] == 202
    for body in take(IMPORTS_QUEUE):
        client.lambda_.invoke("import_worker", sqs_event([body]))
    progress = status_body(call(client, "get", f"/imports/{imported['id']}"))[1]
    assert (progress["status"], progress["updated"], progress["errors"]) == ("completed", 2, 0)
    after = {c["id"]: c for c in status_body(call(client, "get", "/?limit=100"))[1]["items"]}
    volatile = ("version", "updated_at")
    assert {i: {k: v for k, v in c.items() if k not in volatile} for i, c in after.items()} == {
        i: {k: v for k, v in c.items() if k not in volatile} for i, c in before.items()
    }


def test_a_segment_export_holds_its_members(client: Client) -> None:
    # Given a segment of VIPs, its membership kept by on_event
    status, segment = status_body(
        call(
            client, "post", "/segments", {"name": "VIPs", "rules": {"field": "tags", "op": "contains", "value": "vip"}}
        )
    )
    assert status == 201
    fay = create(client, "fay@example.com", "Fay", "Ode", tags=["vip"])
    create(client, "gus@example.com", "Gus", "Ode")
    hal = create(client, "hal@example.com", "Hal", "Ode", tags=["vip"])
    relay_to_on_event(client)
    assert status_body(call(client, "get", f"/segments/{segment['id']}"))[1]["member_count"] == 2
    # When it is exported
    job = export(client, {"segment_id": segment["id"], "columns": ["id", "email"]}, role="admin")
    # Then the file holds its members, and only them
    assert job["segment_id"] == segment["id"] and job["rows"] == 2
    assert sorted(download(job)[1:]) == sorted([[fay["id"], "fay@example.com"], [hal["id"], "hal@example.com"]])
    # A built-in segment with no members yet exports a file with its header only
    empty = export(client, {"segment_id": "rfm-champions", "columns": ["email"]})
    assert empty["rows"] == 0 and download(empty) == [["email"]]


def test_a_large_export_pages_through_the_list_and_uploads_in_parts(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given pages of 2 contacts and parts of a few bytes (S3's 5 MiB minimum scaled down)
    import moto.s3.models

    monkeypatch.setattr("contacts.exports.usecases.PAGE", 2)
    monkeypatch.setattr("contacts.exports.usecases.FLUSH_CHARS", 16)
    monkeypatch.setattr("contacts.exports.repository.PART_BYTES", 40)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 40)
    emails = [f"p{n}@example.com" for n in range(7)]
    for n, email in enumerate(emails):
        create(client, email, f"P{n}", "Page", tags=["bulk"])
    # When they are exported
    job = export(client, {"filter": {"tag": "bulk", "q": "page"}, "columns": ["email"]})
    # Then every one is there once, in the list's order, from a multipart object
    assert job["rows"] == 7 and download(job) == [["email"], *([e] for e in emails)]
    head = boto3.client("s3", region_name="us-east-1").head_object(Bucket=BUCKET, Key=f"exports/{job['id']}.csv")
    assert int(head["ETag"].strip('"').rsplit("-", 1)[1]) > 1
    assert head["ContentType"].startswith("text/csv")


def test_an_erasure_withdraws_every_export_file_written_or_being_written(client: Client) -> None:
    # Given a completed export holding Ada, and another still being written
    ada = create(client, "ada@example.com", "Ada", "Lovelace", tags=["gdpr"])
    done = export(client, {"filter": {"tag": "gdpr"}})
    assert [row[0] for row in download(done)[1:]] == ["ada@example.com"]
    status, running = status_body(call(client, "post", "/exports", {"filter": {"tag": "gdpr"}}, role="marketer"))
    assert status == 202
    from contacts.bootstrap import export_repository

    repository = export_repository()
    assert repository.start(running["id"])
    unfinished = repository.open_file(running["id"])
    unfinished.write(b"id,email\r\n")
    # When Ada is erased
    status, erasure = status_body(call(client, "post", f"/{ada['id']}/erase"))
    # Then both files are gone and both jobs say why, with no download URL
    assert status == 200 and erasure["contact_id"] == ada["id"]
    for job in (done, running):
        status, withdrawn = status_body(call(client, "get", f"/exports/{job['id']}", role="marketer"))
        assert withdrawn["status"] == "withdrawn" and "erased" in withdrawn["error"], withdrawn
        assert "download_url" not in withdrawn or withdrawn["download_url"] is None
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="exports/").get("KeyCount") == 0
    # Its worker fails (S3: NoSuchUpload; moto in-process: a KeyError), and its retry
    # finds the job withdrawn
    with pytest.raises((s3.exceptions.ClientError, KeyError)):
        unfinished.close()
    assert repository.start(running["id"]) is False
    # and a retried erasure answers the same
    assert status_body(call(client, "post", f"/{ada['id']}/erase")) == (200, erasure)


def test_what_is_wrong_in_a_request_is_a_422_naming_the_field(client: Client) -> None:
    assert status_body(call(client, "post", "/fields", {"name": "score", "type": "number"}))[0] == 201
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"filter": {"colour": "red"}}, ["filter.colour"]),
        ({"filter": {}, "owner_id": "me"}, ["owner_id"]),
        ({"filter": {"stage": "prospect"}}, ["filter.stage"]),
        ({"filter": {"created_from": "yesterday"}}, ["filter.created_from"]),
        ({"filter": {"q": "?!"}}, ["filter.q"]),
        ({"filter": {}, "columns": ["email", "password"]}, ["columns.1"]),
        ({"filter": {}, "columns": ["custom.score", "custom.shoe_size"]}, ["columns.1"]),
        ({"filter": {}, "columns": ["email", "email"]}, ["columns"]),
        ({"filter": {}, "columns": []}, ["columns"]),
        ({"segment_id": "rfm-lost", "filter": {}}, ["segment_id", "filter"]),
        ({}, ["segment_id", "filter"]),
    ]
    for body, fields in cases:
        response = client.http.post("/exports", headers=bearer("admin"), body=json.dumps(body))
        problem = json.loads(response.body)
        assert response.status_code == 422, (body, problem)
        assert response.headers["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in problem["errors"]] == fields, (body, problem)
    assert take(EXPORTS_QUEUE) == []  # nothing was queued


def test_an_unknown_export_or_segment_is_a_404(client: Client) -> None:
    status, problem = status_body(call(client, "get", "/exports/no-such-export"))
    assert status == 404 and problem["status"] == 404
    status, problem = status_body(call(client, "post", "/exports", {"segment_id": "no-such-segment"}))
    assert status == 404 and problem["errors"] == [{"field": "segment_id", "message": "not found"}]


def test_only_admins_managers_and_marketers_export(client: Client) -> None:
    for role in ("sales", "agent"):
        assert status_body(call(client, "post", "/exports", {"filter": {}}, role=role))[0] == 403
    status, job = status_body(call(client, "post", "/exports", {"filter": {}}, role="manager"))
    assert status == 202
    assert status_body(call(client, "get", f"/exports/{job['id']}", role="sales"))[0] == 403
    assert status_body(call(client, "get", f"/exports/{job['id']}", role="marketer"))[0] == 200
    response = client.http.post("/exports", headers={"Content-Type": "application/json"}, body="{}")
    assert response.status_code == 401


def test_exports_are_listed_newest_first_until_they_expire(client: Client) -> None:
    create(client, "ada@example.com", "Ada", "Lovelace", tags=["vip"])
    first = export(client, {"filter": {"tag": "vip"}})
    second = status_body(call(client, "post", "/exports", {"segment_id": "value-gold"}, role="manager"))[1]
    status, page = status_body(call(client, "get", "/exports?limit=1"))
    assert status == 200 and [j["id"] for j in page["items"]] == [second["id"]] and page["next_cursor"]
    _, rest = status_body(call(client, "get", f"/exports?limit=1&cursor={page['next_cursor']}"))
    assert [(j["id"], j["status"], j["rows"]) for j in rest["items"]] == [(first["id"], "completed", 1)]
    assert rest["items"][0]["download_url"] is None  # GET /exports/{id} gives it
    assert status_body(call(client, "get", "/exports", role="sales"))[0] == 403
    # Once a job's week is over (TTL deletes it within days), the list no longer shows it
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"pk": {"S": f"EXPORT#{first['id']}"}, "sk": {"S": "JOB"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    assert [j["id"] for j in status_body(call(client, "get", "/exports"))[1]["items"]] == [second["id"]]


def test_a_redelivered_job_changes_nothing_and_a_failing_one_ends_failed(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(client, "ivy@example.com", "Ivy", "Ode")
    # A finished job delivered again: nothing is rewritten
    status, job = status_body(call(client, "post", "/exports", {"filter": {}, "columns": ["email"]}))
    assert status == 202
    [body] = run_exports(client)
    create(client, "jon@example.com", "Jon", "Ode")
    assert client.lambda_.invoke("export_worker", sqs_event([body])).payload == {"batchItemFailures": []}
    done = status_body(call(client, "get", f"/exports/{job['id']}"))[1]
    assert done["rows"] == 1 and download(done) == [["email"], ["ivy@example.com"]]

    # A job whose run keeps crashing: retried, then failed on its last delivery
    def crash(*args: Any) -> None:
        raise RuntimeError("downstream outage")

    monkeypatch.setattr("contacts.exports.usecases.list_contacts", crash)
    status, job = status_body(call(client, "post", "/exports", {"filter": {}}))
    assert status == 202
    [body] = take(EXPORTS_QUEUE)
    event = sqs_event([body])
    assert client.lambda_.invoke("export_worker", event).payload["batchItemFailures"]
    assert status_body(call(client, "get", f"/exports/{job['id']}"))[1]["status"] == "running"
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "3"
    assert client.lambda_.invoke("export_worker", event).payload == {"batchItemFailures": []}
    failed = status_body(call(client, "get", f"/exports/{job['id']}"))[1]
    assert failed["status"] == "failed" and "RuntimeError" in failed["error"] and failed["download_url"] is None
    uploads = boto3.client("s3", region_name="us-east-1").list_multipart_uploads(Bucket=BUCKET)
    assert not uploads.get("Uploads")  # the partial file was aborted


def test_the_export_filter_is_the_list_filter() -> None:
    """Same names as GET /contacts's filters (its segment is the request's segment_id), and
    the import reads the export's custom columns."""
    from contacts.exports.models import CUSTOM_PREFIX
    from contacts.imports.models import CUSTOM_PREFIX as IMPORT_PREFIX
    from contacts.records.listing import LIST_FILTERS

    expected = (set(LIST_FILTERS) - {"segment"}) | {"created_from", "created_to"}
    assert set(ExportFilter.model_fields) == expected
    assert CUSTOM_PREFIX == IMPORT_PREFIX
