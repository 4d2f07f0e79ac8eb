"""Segment definitions and their members (the base of SegmentRepository, which adds
evaluation, the due index and backfills: contacts/segments/repository.py). Segments'
items are in the contacts table, written with the low-level client (transactions with ADD
counters); their keys are the "segments" rows of contacts/table/keys.py.

A definition's backfill is tracked on its DEF item (backfill_state, backfill_version,
backfill_page, backfill_cursor, backfill_evaluated, backfill_started_at, backfill_finished_at).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from contacts import SERVICE
from contacts.segments.usecases import Backfill, Definition, Member, Segment
from contacts.table.keys import (
    MEMBER_PREFIX,
    segment_pk,
)
from contacts.table.keys import SEGMENT_DEF_SK as DEF_SK
from contacts.table.keys import SEGMENT_DEFS_PK as DEFS_PK
from shared.aws import client
from shared.codec import from_item, to_av
from shared.errors import Conflict
from shared.events import Outgoing
from shared.outbox import outbox_put
from shared.settings import get_settings
from shared.table import batch_get, partition_page, transaction_conflict

# Definitions change rarely and are few: a warm function re-reads them this often, so a
# new segment is evaluated everywhere within this delay.
DEFS_TTL_SECONDS = 30.0
# Items per TransactWriteItems is 100: SEGMENTS + 3 per enter/exit (MEMBER, DEF, outbox)
# + 2 due-index moves.
CHANGES_PER_TRANSACTION = 30
BATCH_GET = 100  # keys per BatchGetItem


def item_key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _backfill(values: dict[str, Any]) -> Backfill | None:
    if not values.get("backfill_state"):
        return None
    return Backfill(
        state=values["backfill_state"],
        version=int(values["backfill_version"]),
        evaluated=int(values.get("backfill_evaluated") or 0),
        started_at=values["backfill_started_at"],
        finished_at=values.get("backfill_finished_at"),
    )


def _backfill_values(backfill: Backfill) -> dict[str, dict[str, Any]]:
    """A fresh run's DEF attributes (page 0, no cursor yet)."""
    return {
        "backfill_state": {"S": backfill.state},
        "backfill_version": to_av(backfill.version),
        "backfill_page": to_av(0),
        "backfill_evaluated": to_av(0),
        "backfill_started_at": {"S": backfill.started_at.isoformat()},
    }


def _segment(item: dict[str, Any]) -> Segment | None:
    values = from_item(item) or {}
    if values.get("status") == "deleted" or "name" not in values:
        return None
    return Segment(
        backfill=_backfill(values),
        id=values["id"],
        name=values["name"],
        description=values.get("description"),
        rules=json.loads(values["rules"]),
        builtin=bool(values.get("builtin")),
        member_count=max(0, int(values.get("member_count") or 0)),
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        version=int(values.get("version") or 1),
    )


class SegmentDefinitions:
    """The definitions (and their members): the part of SegmentRepository that HTTP uses."""

    def __init__(self, table: str | None = None) -> None:
        self.table = table or get_settings().table_name(SERVICE)
        self._defs: list[Definition] | None = None
        self._defs_read_at = 0.0

    @property
    def _ddb(self) -> Any:
        return client("dynamodb")

    def definitions(self) -> list[Definition]:
        """Every active definition: one query of the SEGMENTDEFS partition, cached briefly."""
        if self._defs is not None and time.monotonic() - self._defs_read_at < DEFS_TTL_SECONDS:
            return self._defs
        listing = self._listing()
        from contacts.segments.usecases import builtins

        missing = [b for b in builtins() if b.id not in listing]
        if missing:  # first use: create the built-ins (idempotent)
            self._create_builtins(missing)
            listing = self._listing()
        self._defs = [Definition(sid, v["name"], json.loads(v["rules"])) for sid, v in sorted(listing.items())]
        self._defs_read_at = time.monotonic()
        return self._defs

    def forget_definitions(self) -> None:
        self._defs = None

    def _listing(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": DEFS_PK}},
                "ConsistentRead": True,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self._ddb.query(**kwargs)
            for item in page.get("Items", []):
                values = from_item(item) or {}
                found[values["sk"]] = values
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    # --- definitions ----------------------------------------------------------------

    def _definition_items(self, segment: Segment) -> tuple[dict[str, Any], dict[str, Any]]:
        rules = json.dumps(segment.rules, separators=(",", ":"), sort_keys=True)
        definition = {
            **item_key(segment_pk(segment.id), DEF_SK),
            "id": {"S": segment.id},
            "name": {"S": segment.name},
            "description": to_av(segment.description),
            "rules": {"S": rules},
            "builtin": {"BOOL": segment.builtin},
            "member_count": to_av(0),
            "status": {"S": "active"},
            "created_at": {"S": segment.created_at.isoformat()},
            "updated_at": {"S": segment.updated_at.isoformat()},
            "version": to_av(segment.version),
        }
        if segment.backfill is not None:
            definition.update(_backfill_values(segment.backfill))
        listing = {**item_key(DEFS_PK, segment.id), "name": {"S": segment.name}, "rules": {"S": rules}}
        return definition, listing

    def add(self, segment: Segment, events: list[Outgoing] | None = None) -> None:
        definition, listing = self._definition_items(segment)
        self._ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": definition,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": self.table, "Item": listing}},
                *(outbox_put(self.table, e) for e in events or []),
            ]
        )
        self.forget_definitions()

    def _create_builtins(self, segments: list[Segment]) -> None:
        for segment in segments:
            try:
                self.add(segment)
            except Exception as exc:
                if not transaction_conflict(exc):  # created meanwhile by another function
                    raise

    def ensure(self, segments: list[Segment]) -> None:
        listing = self._listing()
        missing = [s for s in segments if s.id not in listing]
        if missing:
            self._create_builtins(missing)

    def get(self, segment_id: str) -> Segment | None:
        item = self._ddb.get_item(
            TableName=self.table, Key=item_key(segment_pk(segment_id), DEF_SK), ConsistentRead=True
        ).get("Item")
        return _segment(item) if item else None

    def page(self, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]:
        items, next_cursor = partition_page(self._ddb, self.table, DEFS_PK, cursor, limit)
        ids = [item["sk"]["S"] for item in items]
        found = batch_get(self._ddb, self.table, [item_key(segment_pk(i), DEF_SK) for i in ids])
        by_id = {s.id: s for s in map(_segment, found) if s}
        return [by_id[i] for i in ids if i in by_id], next_cursor

    def replace(self, segment: Segment, expected_version: int, events: list[Outgoing] | None = None) -> None:
        """New name/description/rules (with new rules, a fresh backfill run and its event);
        member_count is left to the membership writes."""
        definition, listing = self._definition_items(segment)
        values = {
            ":n": definition["name"],
            ":d": definition["description"],
            ":r": definition["rules"],
            ":u": definition["updated_at"],
            ":new": to_av(segment.version),
            ":old": to_av(expected_version),
            ":active": {"S": "active"},
        }
        # Names for every attribute: "rules" is one of DynamoDB's reserved words.
        expression = "SET #n = :n, #d = :d, #r = :r, #u = :u, #ver = :new"
        if events and segment.backfill is not None:
            for name, value in _backfill_values(segment.backfill).items():
                expression += f", {name} = :{name}"
                values[f":{name}"] = value
            expression += " REMOVE backfill_cursor, backfill_finished_at"
        update = {
            "TableName": self.table,
            "Key": item_key(segment_pk(segment.id), DEF_SK),
            "UpdateExpression": expression,
            "ConditionExpression": "#ver = :old AND #s = :active",
            "ExpressionAttributeNames": {
                "#n": "name",
                "#d": "description",
                "#r": "rules",
                "#u": "updated_at",
                "#ver": "version",
                "#s": "status",
            },
            "ExpressionAttributeValues": values,
        }
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {"Update": update},
                    {"Put": {"TableName": self.table, "Item": listing}},
                    *(outbox_put(self.table, e) for e in events or []),
                ]
            )
        except Exception as exc:
            if transaction_conflict(exc):
                raise Conflict("the segment changed since it was read; read it again") from None
            raise
        self.forget_definitions()

    def remove(self, segment: Segment) -> None:
        """A tombstone DEF (membership exits still count against it) and no more evaluation.
        Members leave on their next change, each with a SegmentExited."""
        self._ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": item_key(segment_pk(segment.id), DEF_SK),
                        "UpdateExpression": "SET #s = :deleted, updated_at = :u",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":deleted": {"S": "deleted"},
                            ":u": {"S": datetime.now(UTC).isoformat()},
                        },
                    }
                },
                {"Delete": {"TableName": self.table, "Key": item_key(DEFS_PK, segment.id)}},
            ]
        )
        self.forget_definitions()

    def members(self, segment_id: str, limit: int, cursor: str | None) -> tuple[list[Member], str | None]:
        items, next_cursor = partition_page(
            self._ddb, self.table, segment_pk(segment_id), cursor, limit, prefix=MEMBER_PREFIX
        )
        return [Member(contact_id=i["contact_id"]["S"], joined_at=i["joined_at"]["S"]) for i in items], next_cursor
