"""Segment items in the contacts table (low-level client: transactions with ADD counters).

| item | pk | sk |
|---|---|---|
| definition + member_count | SEGMENT#<id> | DEF |
| member | SEGMENT#<id> | MEMBER#<contact id> |
| listing of active definitions (what evaluation reads, one query) | SEGMENTDEFS | <id> |
| a contact's segments {id: name} + version | CONTACT#<id> | SEGMENTS |
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from contacts import SERVICE
from contacts.keys import METRICS, PROFILE, SEGMENTS, contact_pk, member_sk, segment_pk
from contacts.privacy_codec import from_item, outbox_put, page_start, to_av, transaction_conflict
from contacts.segments import Change, ContactFacts, Definition, Member, Segment
from shared.aws import client
from shared.errors import Conflict
from shared.events import Outgoing
from shared.pagination import encode_cursor
from shared.settings import get_settings

DEFS_PK = "SEGMENTDEFS"
DEF_SK = "DEF"
MEMBER_PREFIX = "MEMBER#"
# Definitions change rarely and are few: a warm function re-reads them this often, so a
# new segment is evaluated everywhere within this delay.
DEFS_TTL_SECONDS = 30.0
# Items per TransactWriteItems is 100: SEGMENTS + 3 per enter/exit (MEMBER, DEF, outbox).
CHANGES_PER_TRANSACTION = 30


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _segment(item: dict[str, Any]) -> Segment | None:
    values = from_item(item) or {}
    if values.get("status") == "deleted" or "name" not in values:
        return None
    return Segment(
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


class SegmentRepository:
    def __init__(self, table: str | None = None) -> None:
        self.table = table or get_settings().table_name(SERVICE)
        self._defs: list[Definition] | None = None
        self._defs_read_at = 0.0

    @property
    def _ddb(self) -> Any:
        return client("dynamodb")

    # --- evaluation -----------------------------------------------------------------

    def definitions(self) -> list[Definition]:
        """Every active definition: one query of the SEGMENTDEFS partition, cached briefly."""
        if self._defs is not None and time.monotonic() - self._defs_read_at < DEFS_TTL_SECONDS:
            return self._defs
        listing = self._listing()
        from contacts.segments import builtins

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

    def contact(self, contact_id: str) -> ContactFacts:
        """PROFILE, METRICS (read-only, other areas') and SEGMENTS: one BatchGetItem."""
        pk = contact_pk(contact_id)
        keys = [_key(pk, PROFILE), _key(pk, METRICS), _key(pk, SEGMENTS)]
        request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        for _ in range(8):
            response = self._ddb.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table, []):
                found[item["sk"]["S"]] = from_item(item) or {}
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.02)
        else:
            raise Conflict("the contact could not be read; retry")
        segments = found.get(SEGMENTS) or {}
        return ContactFacts(
            profile=found.get(PROFILE),
            metrics=found.get(METRICS),
            memberships=dict(segments.get("segments") or {}),
            version=int(segments.get("version") or 0),
        )

    def apply(self, contact_id: str, expected_version: int, change: Change, events: list[Outgoing]) -> bool:
        """Write the change, in chunks of whole enters/exits, each chunk one transaction
        conditioned on the SEGMENTS version. False: someone else changed it first."""
        memberships = dict(change.memberships)
        for sid, _ in change.entered:
            memberships.pop(sid, None)
        for sid, name in change.exited:
            memberships[sid] = name  # what the contact had: the chunks move it to the target
        steps = [("enter", sid, name) for sid, name in change.entered]
        steps += [("exit", sid, name) for sid, name in change.exited]
        version = expected_version
        for at in range(0, len(steps), CHANGES_PER_TRANSACTION):
            chunk = steps[at : at + CHANGES_PER_TRANSACTION]
            items = []
            now = datetime.now(UTC).isoformat()
            for (kind, sid, name), event in zip(chunk, events[at : at + CHANGES_PER_TRANSACTION], strict=True):
                member = _key(segment_pk(sid), member_sk(contact_id))
                if kind == "enter":
                    memberships[sid] = name
                    item = {**member, "contact_id": {"S": contact_id}, "joined_at": {"S": now}}
                    items.append({"Put": {"TableName": self.table, "Item": item}})
                else:
                    memberships.pop(sid, None)
                    items.append({"Delete": {"TableName": self.table, "Key": member}})
                items.append(
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": _key(segment_pk(sid), DEF_SK),
                            "UpdateExpression": "ADD member_count :d",
                            "ExpressionAttributeValues": {":d": {"N": "1" if kind == "enter" else "-1"}},
                        }
                    }
                )
                items.append(outbox_put(self.table, event))
            items.append(self._segments_put(contact_id, memberships, version, now))
            try:
                self._ddb.transact_write_items(TransactItems=items)
            except Exception as exc:
                if transaction_conflict(exc):
                    return False
                raise
            version += 1
        return True

    def _segments_put(self, contact_id: str, memberships: dict[str, str], version: int, now: str) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": {
                **_key(contact_pk(contact_id), SEGMENTS),
                "segments": to_av(memberships),
                "version": {"N": str(version + 1)},
                "updated_at": {"S": now},
            },
        }
        if version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        return {"Put": put}

    # --- definitions ----------------------------------------------------------------

    def _definition_items(self, segment: Segment) -> tuple[dict[str, Any], dict[str, Any]]:
        rules = json.dumps(segment.rules, separators=(",", ":"), sort_keys=True)
        definition = {
            **_key(segment_pk(segment.id), DEF_SK),
            "id": {"S": segment.id},
            "name": {"S": segment.name},
            "description": to_av(segment.description),
            "rules": {"S": rules},
            "builtin": {"BOOL": segment.builtin},
            "member_count": {"N": "0"},
            "status": {"S": "active"},
            "created_at": {"S": segment.created_at.isoformat()},
            "updated_at": {"S": segment.updated_at.isoformat()},
            "version": {"N": str(segment.version)},
        }
        listing = {**_key(DEFS_PK, segment.id), "name": {"S": segment.name}, "rules": {"S": rules}}
        return definition, listing

    def add(self, segment: Segment) -> None:
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
            TableName=self.table, Key=_key(segment_pk(segment_id), DEF_SK), ConsistentRead=True
        ).get("Item")
        return _segment(item) if item else None

    def page(self, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": DEFS_PK}},
            "Limit": limit,
        }
        start = page_start(cursor, DEFS_PK)
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._ddb.query(**kwargs)
        ids = [item["sk"]["S"] for item in response.get("Items", [])]
        by_id: dict[str, Segment] = {}
        request: dict[str, Any] = {self.table: {"Keys": [_key(segment_pk(i), DEF_SK) for i in ids]}} if ids else {}
        while request:
            got = self._ddb.batch_get_item(RequestItems=request)
            for item in got.get("Responses", {}).get(self.table, []):
                segment = _segment(item)
                if segment:
                    by_id[segment.id] = segment
            request = got.get("UnprocessedKeys") or {}
        return [by_id[i] for i in ids if i in by_id], encode_cursor(response.get("LastEvaluatedKey"))

    def replace(self, segment: Segment, expected_version: int) -> None:
        """New name/description/rules; member_count is left to the membership writes."""
        definition, listing = self._definition_items(segment)
        update = {
            "TableName": self.table,
            "Key": _key(segment_pk(segment.id), DEF_SK),
            "UpdateExpression": "SET #n = :n, description = :d, rules = :r, updated_at = :u, version = :new",
            "ConditionExpression": "version = :old AND #s = :active",
            "ExpressionAttributeNames": {"#n": "name", "#s": "status"},
            "ExpressionAttributeValues": {
                ":n": definition["name"],
                ":d": definition["description"],
                ":r": definition["rules"],
                ":u": definition["updated_at"],
                ":new": {"N": str(segment.version)},
                ":old": {"N": str(expected_version)},
                ":active": {"S": "active"},
            },
        }
        try:
            self._ddb.transact_write_items(
                TransactItems=[{"Update": update}, {"Put": {"TableName": self.table, "Item": listing}}]
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
                        "Key": _key(segment_pk(segment.id), DEF_SK),
                        "UpdateExpression": "SET #s = :deleted, updated_at = :u",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":deleted": {"S": "deleted"},
                            ":u": {"S": datetime.now(UTC).isoformat()},
                        },
                    }
                },
                {"Delete": {"TableName": self.table, "Key": _key(DEFS_PK, segment.id)}},
            ]
        )
        self.forget_definitions()

    def members(self, segment_id: str, limit: int, cursor: str | None) -> tuple[list[Member], str | None]:
        pk = segment_pk(segment_id)
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :m)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":m": {"S": MEMBER_PREFIX}},
            "Limit": limit,
        }
        start = page_start(cursor, pk)
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._ddb.query(**kwargs)
        members = [
            Member(contact_id=item["contact_id"]["S"], joined_at=item["joined_at"]["S"])
            for item in response.get("Items", [])
        ]
        return members, encode_cursor(response.get("LastEvaluatedKey"))
