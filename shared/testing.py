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
from datetime import UTC, datetime
from typing import Any

from shared.events import Event, Outgoing, new_event

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


class LeadCreated(Event):
    """The shape crm.contacts publishes (contacts.events.LeadCreated), for consumers' tests:
    a service never imports another one, and the contract tests in ``tests/`` catch drift."""

    bus_source = "crm.contacts"

    contact_id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    company: str | None = None
    source: str | None = None
    country: str | None = None
    region: str | None = None
    language: str | None = None
    company_id: str | None = None
    company_size: str | None = None


def lead_created(
    contact_id: str | None = None, email: str = "ada@example.com", first_name: str = "Ada", **profile: str
) -> Outgoing:
    """A LeadCreated event as it leaves contacts' outbox (``profile``: country, source...)."""
    event = LeadCreated(
        contact_id=contact_id or str(uuid.uuid4()), email=email, first_name=first_name, last_name="Lovelace", **profile
    )
    return new_event(event)


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


class LeadAssigned(Event):
    """The shape crm.pipeline publishes (pipeline.events.LeadAssigned), for consumers' tests."""

    bus_source = "crm.pipeline"

    contact_id: str
    owner_id: str
    rule: str = "round_robin"


class ContactErased(Event):
    """The shape crm.contacts publishes (contacts.events.ContactErased), for consumers' tests."""

    bus_source = "crm.contacts"

    contact_id: str
    erased_at: str


def lead_assigned(contact_id: str, owner_id: str, occurred_at: str | None = None) -> Outgoing:
    """A LeadAssigned event as it leaves pipeline's outbox (``occurred_at``: ISO, to order re-assignments)."""
    event = new_event(LeadAssigned(contact_id=contact_id, owner_id=owner_id))
    if occurred_at is not None:
        event.detail["metadata"]["occurred_at"] = occurred_at
    return event


def contact_erased(contact_id: str) -> Outgoing:
    """A ContactErased event as it leaves contacts' outbox."""
    return new_event(ContactErased(contact_id=contact_id, erased_at="2026-01-01T00:00:00Z"))


class PurchaseRecorded(Event):
    """The shape crm.contacts publishes (contacts.events.PurchaseRecorded), for consumers' tests."""

    bus_source = "crm.contacts"

    contact_id: str
    order_id: str
    amount: str
    currency: str
    channel: str = "web"
    occurred_at: str


class PurchaseRefunded(Event):
    bus_source = "crm.contacts"

    contact_id: str
    order_id: str
    amount: str
    currency: str
    occurred_at: str


class ContactsMerged(Event):
    bus_source = "crm.contacts"

    winner_id: str
    loser_id: str


def purchase_recorded(
    contact_id: str, order_id: str, amount: str, currency: str = "EUR", occurred_at: str | None = None
) -> Outgoing:
    at = occurred_at or datetime.now(UTC).isoformat()
    return new_event(
        PurchaseRecorded(contact_id=contact_id, order_id=order_id, amount=amount, currency=currency, occurred_at=at)
    )


def purchase_refunded(contact_id: str, order_id: str, amount: str, currency: str = "EUR") -> Outgoing:
    at = datetime.now(UTC).isoformat()
    return new_event(
        PurchaseRefunded(contact_id=contact_id, order_id=order_id, amount=amount, currency=currency, occurred_at=at)
    )


def contacts_merged(winner_id: str, loser_id: str) -> Outgoing:
    return new_event(ContactsMerged(winner_id=winner_id, loser_id=loser_id))


# --- consent, segments and profile changes (what campaigns' audience reads) ----------------


class ConsentChanged(Event):
    """The shape crm.contacts publishes (contacts.events.ConsentChanged), for consumers' tests."""

    bus_source = "crm.contacts"

    contact_id: str
    channel: str
    purpose: str
    granted: bool
    source: str = "web_form"
    at: str


class SegmentEntered(Event):
    bus_source = "crm.contacts"

    segment_id: str
    segment_name: str = "segment"
    contact_id: str


class SegmentExited(Event):
    bus_source = "crm.contacts"

    segment_id: str
    segment_name: str = "segment"
    contact_id: str


class ContactUpdated(Event):
    """The shape crm.contacts publishes (contacts.events.ContactUpdated): ``changed`` and, for
    the profile fields among them, their values."""

    bus_source = "crm.contacts"

    contact_id: str
    changed: list[str]
    lifecycle_stage: str = "lead"
    tags: list[str] = []
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    company: str | None = None
    birthday: str | None = None


def _at(event: Outgoing, occurred_at: str | None) -> Outgoing:
    if occurred_at is not None:
        event.detail["metadata"]["occurred_at"] = occurred_at
    return event


def consent_changed(
    contact_id: str, granted: bool = True, channel: str = "email", purpose: str = "marketing", at: str | None = None
) -> Outgoing:
    """A ConsentChanged as it leaves contacts' outbox (``at``: ISO, when the decision was made)."""
    when = at or datetime.now(UTC).isoformat()
    return new_event(ConsentChanged(contact_id=contact_id, channel=channel, purpose=purpose, granted=granted, at=when))


def segment_entered(segment_id: str, contact_id: str, occurred_at: str | None = None) -> Outgoing:
    return _at(new_event(SegmentEntered(segment_id=segment_id, contact_id=contact_id)), occurred_at)


def segment_exited(segment_id: str, contact_id: str, occurred_at: str | None = None) -> Outgoing:
    return _at(new_event(SegmentExited(segment_id=segment_id, contact_id=contact_id)), occurred_at)


def contact_updated(contact_id: str, occurred_at: str | None = None, **profile: str | None) -> Outgoing:
    """A ContactUpdated naming ``profile``'s fields as changed, with their values."""
    event = ContactUpdated(contact_id=contact_id, changed=sorted(profile), **profile)  # type: ignore[arg-type]
    return _at(new_event(event), occurred_at)
