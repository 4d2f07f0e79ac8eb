"""Segments' storage: evaluation (a contact's facts and segments), the due index and its
daily job, backfills; the definitions are in contacts/segments/definitions.py, whose
docstring says how segments' items are written and where a backfill is tracked (their
keys: the "segments" rows of contacts/table/keys.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from contacts.segments.backfill import Job
from contacts.segments.definitions import SegmentDefinitions, item_key
from contacts.segments.usecases import Change, ContactFacts
from contacts.table.keys import (
    ALL_PK,
    METRICS,
    PROFILE,
    SEGMENTS,
    contact_pk,
    member_sk,
    segment_pk,
)
from contacts.table.keys import SEGMENT_DEF_SK as DEF_SK
from contacts.table.keys import SEGMENTS_DUE_JOB_PK as DUE_JOB_PK
from contacts.table.keys import SEGMENTS_DUE_JOB_SK as DUE_JOB_SK
from contacts.table.keys import segment_due_pk as due_pk
from shared.codec import from_item, to_av
from shared.errors import Conflict
from shared.events import Outgoing
from shared.outbox import outbox_put
from shared.table import transaction_conflict

# Definitions change rarely and are few: a warm function re-reads them this often, so a
# new segment is evaluated everywhere within this delay.
DEFS_TTL_SECONDS = 30.0
# Items per TransactWriteItems is 100: SEGMENTS + 3 per enter/exit (MEMBER, DEF, outbox)
# + 2 due-index moves.
CHANGES_PER_TRANSACTION = 30
BATCH_GET = 100  # keys per BatchGetItem


class SegmentRepository(SegmentDefinitions):
    # --- evaluation -----------------------------------------------------------------

    def contact(self, contact_id: str) -> ContactFacts:
        """PROFILE, METRICS (read-only, other areas') and SEGMENTS: one BatchGetItem."""
        pk = contact_pk(contact_id)
        keys = [item_key(pk, PROFILE), item_key(pk, METRICS), item_key(pk, SEGMENTS)]
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
        keys = [item_key(contact_pk(c), sk) for c in dict.fromkeys(contact_ids) for sk in (PROFILE, METRICS, SEGMENTS)]
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
                member = item_key(segment_pk(sid), member_sk(contact_id))
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
                            "Key": item_key(segment_pk(sid), DEF_SK),
                            "UpdateExpression": "ADD member_count :d",
                            "ExpressionAttributeValues": {":d": to_av(1 if kind == "enter" else -1)},
                        }
                    }
                )
                items.append(outbox_put(self.table, event))
            due = change.due if last else change.due_before
            items.append(self._segments_put(contact_id, memberships, version, now, due))
            if last and change.due != change.due_before:
                if change.due_before is not None:
                    key = item_key(due_pk(change.due_before), contact_id)
                    items.append({"Delete": {"TableName": self.table, "Key": key}})
                if change.due is not None:
                    entry = {**item_key(due_pk(change.due), contact_id), "contact_id": {"S": contact_id}}
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
            **item_key(contact_pk(contact_id), SEGMENTS),
            "segments": to_av(memberships),
            "version": to_av(version + 1),
            "updated_at": {"S": now},
        }
        if due is not None:
            item["due"] = {"S": due.isoformat()}
        put: dict[str, Any] = {"TableName": self.table, "Item": item}
        if version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": to_av(version)}
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
        item = self._ddb.get_item(TableName=self.table, Key=item_key(DUE_JOB_PK, DUE_JOB_SK), ConsistentRead=True).get(
            "Item"
        )
        return date.fromisoformat(item["day"]["S"]) if item else None

    def set_due_last_run(self, day: date) -> None:
        self._ddb.put_item(
            TableName=self.table, Item={**item_key(DUE_JOB_PK, DUE_JOB_SK), "day": {"S": day.isoformat()}}
        )

    # --- backfill -------------------------------------------------------------------

    def backfill_job(self, segment_id: str) -> Job | None:
        item = self._ddb.get_item(
            TableName=self.table, Key=item_key(segment_pk(segment_id), DEF_SK), ConsistentRead=True
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
            kwargs["ExclusiveStartKey"] = item_key(ALL_PK, cursor)
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
            ":v": to_av(job.version),
            ":p": to_av(job.page),
            ":next": to_av(job.page + 1),
            ":n": to_av(evaluated),
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
            "Key": item_key(segment_pk(job.segment_id), DEF_SK),
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

    # --- for records (contacts.records.ports.SegmentMembers) -----------------------

    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]:
        """Members of a segment by member sk (records' list filtered by a segment reads them here)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :m)",
            "ExpressionAttributeValues": {":pk": {"S": segment_pk(segment_id)}, ":m": {"S": member_sk("")}},
            "ProjectionExpression": "pk, sk",
            "Limit": limit,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": {"S": segment_pk(segment_id)}, "sk": {"S": after}}
        page = self._ddb.query(**kwargs)
        rows = [(i["sk"]["S"], i["sk"]["S"].removeprefix(member_sk(""))) for i in page.get("Items", [])]
        return rows, "LastEvaluatedKey" in page

    def members_among(self, segment_id: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` are members of a segment: key lookups (a batch per 100), so a
        rep's list filtered by a segment costs their contacts, not the segment's size."""
        table = self.table
        pk = segment_pk(segment_id)
        unique = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(unique), BATCH_GET):
            keys = [{"pk": {"S": pk}, "sk": {"S": member_sk(cid)}} for cid in unique[start : start + BATCH_GET]]
            request: dict[str, Any] = {table: {"Keys": keys, "ProjectionExpression": "sk"}}
            while request:
                page = self._ddb.batch_get_item(RequestItems=request)
                found.update(i["sk"]["S"].removeprefix(member_sk("")) for i in page["Responses"].get(table, []))
                request = page.get("UnprocessedKeys") or {}  # throttled keys come back: ask again
        return found


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
