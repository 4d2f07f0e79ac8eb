"""Test helpers shared by the services' tests (never imported by production code).

They keep tests honest about the real shapes: consumers receive SQS records whose body is
an EventBridge event. What needs the service's template (its table, buckets and
environment) is in ``infra.testing``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from typing import Any

from shared.events import Outgoing

REGION = "us-east-1"
ACCOUNT = "123456789012"


def use_dev_auth() -> None:
    """Accept tokens signed with the dev key in this process (``CRM_DEV_AUTH``), as the
    local stack does: what ``bearer``/``call`` send. Call before a service's app is built."""
    from shared.settings import DEV_AUTH_ENVIRONMENT, get_settings

    os.environ.update(DEV_AUTH_ENVIRONMENT)
    get_settings.cache_clear()


def use_in_process_aws() -> None:
    """Point the kernel at moto's in-process ``mock_aws`` (no endpoint, dummy credentials).

    Call before a service's repository is imported: table metadata is bound at import.
    """
    os.environ.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SECURITY_TOKEN="testing",
        AWS_SESSION_TOKEN="testing",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from shared.aws import client
    from shared.settings import get_settings
    from shared.table import connection

    get_settings.cache_clear()
    client.cache_clear()
    connection.cache_clear()


def pk_sk_table(name: str, *, stream: bool = True) -> dict[str, Any]:
    """CreateTable arguments for a bare ``pk``/``sk`` table (on demand, with a stream unless
    ``stream`` is False): the shape of every service's table, for kernel and stack tests
    that need one without a service's template."""
    spec: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return spec


def eventbridge_message(event: Outgoing, bus: str = "crm-dev") -> dict[str, Any]:
    """What EventBridge puts in an SQS message body for one of our events (moto omits ``account``)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.detail_type,
        "source": event.source,
        "account": ACCOUNT,
        "time": event.detail["metadata"]["occurred_at"],
        "region": REGION,
        "resources": [],
        "detail": event.detail,
        "event-bus-name": bus,
    }


def sqs_event(messages: Iterable[Outgoing | str], queue: str = "crm-dev-events") -> dict[str, Any]:
    """An SQS event-source batch; a ``str`` is sent as a raw body (for poison records)."""
    records = []
    for message in messages:
        body = message if isinstance(message, str) else json.dumps(eventbridge_message(message))
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": str(uuid.uuid4()),
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def failed_ids(response: Any) -> list[str]:
    """Message ids a consumer reported in its partial batch response."""
    payload = getattr(response, "payload", response)
    return [f["itemIdentifier"] for f in payload["batchItemFailures"]]


def failed_positions(client: Any, messages: Iterable[Outgoing | str], function: str = "on_event") -> list[int]:
    """Invoke ``function`` through a ``chalice.test.Client`` with one SQS batch of
    ``messages`` and return the positions of the records its partial batch response
    reported failed (a poison record must fail alone)."""
    event = sqs_event(messages)
    failed = set(failed_ids(client.lambda_.invoke(function, event)))
    return [i for i, record in enumerate(event["Records"]) if record["messageId"] in failed]


def pending_outbox(table: str) -> list[Outgoing]:
    """Events written to a table's outbox and not yet relayed, oldest first (a scan: tests only)."""
    import boto3

    ddb = boto3.client("dynamodb", region_name=REGION)
    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        items.extend(i for i in page["Items"] if i["pk"]["S"].startswith("OUTBOX#"))
    events = [
        Outgoing(
            event_id=i["pk"]["S"].removeprefix("OUTBOX#"),
            source=i["source"]["S"],
            detail_type=i["detail_type"]["S"],
            detail=json.loads(i["detail"]["S"]),
        )
        for i in items
    ]
    return sorted(events, key=lambda e: str(e.detail["metadata"]["occurred_at"]))


def ses_sent_count() -> int:
    """Emails SES (moto) accepted in this mock."""
    import boto3

    return int(boto3.client("ses", region_name=REGION).get_send_quota()["SentLast24Hours"])


def bearer(role: str, subject: str | None = None) -> dict[str, str]:
    from shared.auth import issue_dev_token

    return {"Authorization": f"Bearer {issue_dev_token(role, subject=subject)}", "Content-Type": "application/json"}


def call(
    client: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    role: str = "admin",
    subject: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """One request through a ``chalice.test.Client`` as a user of ``role`` (and ``subject``);
    ``headers`` are added (an Authorization among them replaces the role's token). The
    response carries its parsed body as ``.json`` (None when empty)."""
    raw = json.dumps(body) if body is not None else None
    sent = {**bearer(role, subject), **(headers or {})}
    response = getattr(client.http, method.lower())(path, headers=sent, body=raw)
    response.json = json.loads(response.body) if response.body else None
    return response


# --- the edge: every route refuses forged cursors, deep and oversized bodies --------------


def forged_cursors() -> dict[str, str]:
    """Cursors no list may accept, by shape: made up, unsigned, signed for another list,
    altered, truncated, huge."""
    import base64

    from shared.pagination import encode_cursor

    def b64(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    foreign = encode_cursor({"pk": {"S": "ELSEWHERE"}, "sk": {"S": "X#1"}}, of="another/list") or ""
    payload, _, mac = foreign.partition(".")
    return {
        "garbage": "%%%not-a-cursor",
        "base64-not-json": "bm90LWpzb24",
        "unsigned-key": b64({"pk": {"S": "x"}, "sk": {"S": "y"}}),
        "unsigned-after": b64({"after": "x"}),
        "another-list": foreign,
        "altered-signature": f"{payload}.{mac[:-2]}{'AB' if mac[-2:] != 'AB' else 'CD'}",
        "altered-payload": f"{b64({'of': 'x', 'key': {'pk': {'S': 'x'}}})}.{mac}",
        "truncated": foreign[:-6],
        "huge": "A" * 5000,
    }


def deep_json(levels: int = 1000) -> str:
    """A body nested ``levels`` deep (~2 KB for 1,000): the parser recursed into it."""
    return '{"a": ' + "[" * levels + "]" * levels + "}"


def get_routes(app: Any) -> list[str]:
    """The path templates of an app's GET routes."""
    return sorted(path for path, methods in app.routes.items() if "GET" in methods)


def write_routes(app: Any) -> list[tuple[str, str, bool]]:
    """(method, path template, takes a JSON body) of each write route of an app."""
    return sorted(
        (method, path, getattr(entry.view_function, "crm_body", None) is not None)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if method in ("POST", "PUT", "PATCH")
    )


def fill(template: str, ids: dict[str, str]) -> str:
    """A path template with its parameters filled from ``ids`` (a KeyError names one missing)."""
    import re

    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)


def list_paths(client: Any, app: Any, ids: dict[str, str], queries: dict[str, str] | None = None) -> list[str]:
    """The app's list routes, found by asking each GET route (parameters from ``ids``,
    its query from ``queries``): those answering a page (``next_cursor``)."""
    found = []
    for template in get_routes(app):
        path = fill(template, ids) + (f"?{queries[template]}" if queries and template in queries else "")
        response = call(client, "GET", path)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code == 200 and isinstance(response.json, dict) and "next_cursor" in response.json:
            found.append(path)
    return found


def refuses_forged_cursors(client: Any, path: str) -> None:
    """Each forged cursor on the list ``path`` is a 400 naming ``cursor``."""
    from urllib.parse import quote

    for shape, cursor in forged_cursors().items():
        sep = "&" if "?" in path else "?"
        response = call(client, "GET", f"{path}{sep}cursor={quote(cursor, safe='')}")
        assert response.status_code == 400, (path, shape, response.status_code, response.json)
        assert "cursor" in [e["field"] for e in response.json["errors"]], (path, shape)


def refuses_deep_and_oversized_bodies(client: Any, app: Any, ids: dict[str, str]) -> None:
    """Every write route answers a 413 to an oversized body; those taking a body a 422
    naming ``body`` to a deeply nested one. Nothing is written either way."""
    from shared.inputs import MAX_BODY_BYTES

    huge = json.dumps({"a": "x" * MAX_BODY_BYTES})
    for method, template, takes_body in write_routes(app):
        path = fill(template, ids)
        response = getattr(client.http, method.lower())(path, headers=bearer("admin"), body=huge)
        assert response.status_code == 413, (method, path, response.status_code)
        if takes_body:
            response = getattr(client.http, method.lower())(path, headers=bearer("admin"), body=deep_json())
            assert response.status_code == 422, (method, path, response.status_code)
            assert json.loads(response.body)["errors"][0]["field"] == "body"
