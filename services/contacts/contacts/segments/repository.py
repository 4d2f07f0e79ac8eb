"""Segment items in the contacts table (low-level client: transactions with ADD counters).

| item | pk | sk |
|---|---|---|
| definition + member_count | SEGMENT#<id> | DEF |
| member | SEGMENT#<id> | MEMBER#<contact id> |
| listing of active definitions (what evaluation reads, one query) | SEGMENTDEFS | <id> |
| a contact's segments {id: name} + version + due day | CONTACT#<id> | SEGMENTS |
| contacts whose time-dependent rules flip on a day | IDX#seg_due#<yyyy-mm-dd> | <contact id> |
| the due job's last run | SEGDUE#JOB | LAST_RUN |

A definition's backfill is tracked on its DEF item (backfill_state, backfill_version,
backfill_page, backfill_cursor, backfill_evaluated, backfill_started_at, backfill_finished_at).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from contacts import SERVICE
from contacts.segments.backfill import Job
from contacts.segments.usecases import Backfill, Change, ContactFacts, Definition, Member, Segment
from contacts.table.codec import from_item, outbox_put, page_start, to_av, transaction_conflict
from contacts.table.keys import METRICS, PROFILE, SEGMENTS, contact_pk, index_pk, member_sk, segment_pk
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
# Items per TransactWriteItems is 100: SEGMENTS + 3 per enter/exit (MEMBER, DEF, outbox)
# + 2 due-index moves.
CHANGES_PER_TRANSACTION = 30
BATCH_GET = 100  # keys per BatchGetItem
ALL_PK = index_pk("all", "-")  # records' index of every live contact (contacts.records.search.ALL)
DUE_JOB_PK, DUE_JOB_SK = "SEGDUE#JOB", "LAST_RUN"


def due_pk(day: date) -> str:
    return index_pk("seg_due", day.isoformat())


def _key(pk: str, sk: str) -> dict[str, Any]:
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
        "backfill_version": {"N": str(backfill.version)},
        "backfill_page": {"N": "0"},
        "backfill_evaluated": {"N": "0"},
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
        return _facts(found)

    def contacts(self, contact_ids: list[str]) -> dict[str, ContactFacts]:
        """Many contacts' facts, BatchGetItem of 100 keys at a time (a backfill page)."""
        keys = [_key(contact_pk(c), sk) for c in dict.fromkeys(contact_ids) for sk in (PROFILE, METRICS, SEGMENTS)]
        found: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in contact_ids}
        for at in range(0, len(keys), BATCH_GET):
            request: dict[str, Any] = {self.table: {"Keys": keys[at : at + BATCH_GET], "ConsistentRead": True}}
            for attempt in range(8):
                response = self._ddb.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table, []):
                    found[item["pk"]["S"].removeprefix("CONTACT#")][item["sk"]["S"]] = from_item(item) or {}
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.02 * 2**attempt)
            else:
                raise Conflict("contacts could not be read; retry")
        return {c: _facts(items) for c, items in found.items()}

    def apply(self, contact_id: str, expected_version: int, change: Change, events: list[Outgoing]) -> bool:
        """Write the change, in chunks of whole enters/exits, each chunk one transaction
        conditioned on the SEGMENTS version; the due day and its index entry move with the
        last chunk. False: someone else changed it first."""
        memberships = dict(change.memberships)
        for sid, _ in change.entered:
            memberships.pop(sid, None)
        for sid, name in change.exited:
            memberships[sid] = name  # what the contact had: the chunks move it to the target
        steps = [("enter", sid, name) for sid, name in change.entered]
        steps += [("exit", sid, name) for sid, name in change.exited]
        chunks = [steps[at : at + CHANGES_PER_TRANSACTION] for at in range(0, len(steps), CHANGES_PER_TRANSACTION)]
        version = expected_version
        for number, chunk in enumerate(chunks or [[]]):
            last = number == len(chunks) - 1 or not chunks
            offset = number * CHANGES_PER_TRANSACTION
            items = []
            now = datetime.now(UTC).isoformat()
            for (kind, sid, name), event in zip(chunk, events[offset : offset + len(chunk)], strict=True):
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
            due = change.due if last else change.due_before
            items.append(self._segments_put(contact_id, memberships, version, now, due))
            if last and change.due != change.due_before:
                if change.due_before is not None:
                    key = _key(due_pk(change.due_before), contact_id)
                    items.append({"Delete": {"TableName": self.table, "Key": key}})
                if change.due is not None:
                    entry = {**_key(due_pk(change.due), contact_id), "contact_id": {"S": contact_id}}
                    items.append({"Put": {"TableName": self.table, "Item": entry}})
            try:
                self._ddb.transact_write_items(TransactItems=items)
            except Exception as exc:
                if transaction_conflict(exc):
                    return False
                raise
            version += 1
        return True

    def _segments_put(
        self, contact_id: str, memberships: dict[str, str], version: int, now: str, due: date | None
    ) -> dict[str, Any]:
        item = {
            **_key(contact_pk(contact_id), SEGMENTS),
            "segments": to_av(memberships),
            "version": {"N": str(version + 1)},
            "updated_at": {"S": now},
        }
        if due is not None:
            item["due"] = {"S": due.isoformat()}
        put: dict[str, Any] = {"TableName": self.table, "Item": item}
        if version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        return {"Put": put}

    # --- time: the due index and its daily job --------------------------------------

    def due_on(self, day: date) -> Iterator[str]:
        """Contacts due on ``day``, page by page (entries processed meanwhile move away:
        paging by key is unaffected)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": due_pk(day)}},
            "ProjectionExpression": "sk",
        }
        while True:
            page = self._ddb.query(**kwargs)
            yield from (item["sk"]["S"] for item in page.get("Items", []))
            if not page.get("LastEvaluatedKey"):
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def due_last_run(self) -> date | None:
        item = self._ddb.get_item(TableName=self.table, Key=_key(DUE_JOB_PK, DUE_JOB_SK), ConsistentRead=True).get(
            "Item"
        )
        return date.fromisoformat(item["day"]["S"]) if item else None

    def set_due_last_run(self, day: date) -> None:
        self._ddb.put_item(TableName=self.table, Item={**_key(DUE_JOB_PK, DUE_JOB_SK), "day": {"S": day.isoformat()}})

    # --- backfill -------------------------------------------------------------------

    def backfill_job(self, segment_id: str) -> Job | None:
        item = self._ddb.get_item(
            TableName=self.table, Key=_key(segment_pk(segment_id), DEF_SK), ConsistentRead=True
        ).get("Item")
        values = from_item(item) or {}
        if not values.get("backfill_state"):
            return None
        return Job(
            segment_id=segment_id,
            active=values.get("status") == "active",
            state=values["backfill_state"],
            version=int(values["backfill_version"]),
            page=int(values.get("backfill_page") or 0),
            cursor=values.get("backfill_cursor"),
            evaluated=int(values.get("backfill_evaluated") or 0),
        )

    def all_contacts(self, cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        """One page of the ALL index (every live contact, in creation order): ids and the
        sort key to continue after, None at the end. A query, never a scan."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": ALL_PK}},
            "ProjectionExpression": "sk, contact_id",
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _key(ALL_PK, cursor)
        page = self._ddb.query(**kwargs)
        ids = [item["contact_id"]["S"] for item in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return ids, last["sk"]["S"] if last else None

    def advance_backfill(self, job: Job, cursor: str | None, evaluated: int, event: Outgoing) -> bool:
        """Record one page done and queue its event, conditioned on the job still being at
        this page of this version. False: a redelivery (or newer rules) got there first."""
        done = cursor is None
        names = {"#s": "backfill_state", "#v": "backfill_version", "#p": "backfill_page"}
        values: dict[str, Any] = {
            ":v": {"N": str(job.version)},
            ":p": {"N": str(job.page)},
            ":next": {"N": str(job.page + 1)},
            ":n": {"N": str(evaluated)},
            ":running": {"S": "running"},
        }
        sets = ["#p = :next", "backfill_evaluated = backfill_evaluated + :n"]
        if done:
            sets += ["#s = :done", "backfill_finished_at = :at"]
            values[":done"] = {"S": "done"}
            values[":at"] = {"S": datetime.now(UTC).isoformat()}
            expression = "SET " + ", ".join(sets) + " REMOVE backfill_cursor"
        else:
            sets.append("backfill_cursor = :c")
            values[":c"] = {"S": cursor}
            expression = "SET " + ", ".join(sets)
        update = {
            "TableName": self.table,
            "Key": _key(segment_pk(job.segment_id), DEF_SK),
            "UpdateExpression": expression,
            "ConditionExpression": "#s = :running AND #v = :v AND #p = :p",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        try:
            self._ddb.transact_write_items(TransactItems=[{"Update": update}, outbox_put(self.table, event)])
        except Exception as exc:
            if transaction_conflict(exc):
                return False
            raise
        return True

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
        if segment.backfill is not None:
            definition.update(_backfill_values(segment.backfill))
        listing = {**_key(DEFS_PK, segment.id), "name": {"S": segment.name}, "rules": {"S": rules}}
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

    def replace(self, segment: Segment, expected_version: int, events: list[Outgoing] | None = None) -> None:
        """New name/description/rules (with new rules, a fresh backfill run and its event);
        member_count is left to the membership writes."""
        definition, listing = self._definition_items(segment)
        values = {
            ":n": definition["name"],
            ":d": definition["description"],
            ":r": definition["rules"],
            ":u": definition["updated_at"],
            ":new": {"N": str(segment.version)},
            ":old": {"N": str(expected_version)},
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
            "Key": _key(segment_pk(segment.id), DEF_SK),
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


def _facts(found: dict[str, dict[str, Any]]) -> ContactFacts:
    segments = found.get(SEGMENTS) or {}
    due = segments.get("due")
    return ContactFacts(
        profile=found.get(PROFILE),
        metrics=found.get(METRICS),
        memberships=dict(segments.get("segments") or {}),
        version=int(segments.get("version") or 0),
        due=date.fromisoformat(due) if due else None,
    )
