"""Consent items: CONTACT#<id>/CONSENT (current state + version) and the append-only
CONTACT#<id>/CONSENT#<iso>#<channel>#<purpose> records."""

from __future__ import annotations

from typing import Any

from contacts import SERVICE
from contacts.consent import ConsentEntry, state_key
from contacts.keys import CONSENT, PROFILE, consent_record_sk, contact_pk
from contacts.privacy_codec import from_item, outbox_put, page_start, to_av, transaction_conflict
from shared.aws import client
from shared.errors import Conflict
from shared.events import Outgoing
from shared.pagination import encode_cursor
from shared.settings import get_settings

RECORD_PREFIX = "CONSENT#"
ATTEMPTS = 4


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class ConsentRepository:
    def __init__(self, table: str | None = None) -> None:
        self.table = table or get_settings().table_name(SERVICE)

    @property
    def _ddb(self) -> Any:
        return client("dynamodb")

    def record(self, contact_id: str, entry: ConsentEntry, event: Outgoing) -> bool:
        """Append the record, set the state and queue the event, all or nothing, on a live
        contact. False: no such contact. Optimistic on the CONSENT item's version."""
        pk = contact_pk(contact_id)
        value = {"granted": entry.granted, "at": entry.at.isoformat(), "source": entry.source}
        record = {
            **_key(pk, consent_record_sk(entry.at, entry.channel, entry.purpose)),
            **{k: to_av(v) for k, v in entry.model_dump(mode="json").items()},
        }
        for _ in range(ATTEMPTS):
            current = self._ddb.get_item(TableName=self.table, Key=_key(pk, CONSENT), ConsistentRead=True).get("Item")
            items: list[dict[str, Any]] = [
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": _key(pk, PROFILE),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {"Put": {"TableName": self.table, "Item": record, "ConditionExpression": "attribute_not_exists(pk)"}},
                self._state_write(pk, current, state_key(entry.channel, entry.purpose), value),
                outbox_put(self.table, event),
            ]
            try:
                self._ddb.transact_write_items(TransactItems=items)
                return True
            except Exception as exc:
                if not transaction_conflict(exc):
                    raise
                reasons = exc.response.get("CancellationReasons", [])  # type: ignore[attr-defined]
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    return False  # no profile: unknown, deleted or erased contact
        raise Conflict("consent kept changing; retry")

    def _state_write(self, pk: str, current: dict[str, Any] | None, key: str, value: dict[str, Any]) -> dict[str, Any]:
        if current is None:
            item = {**_key(pk, CONSENT), "state": to_av({key: value}), "version": {"N": "1"}}
            return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        version = current.get("version")
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": _key(pk, CONSENT),
            "UpdateExpression": "SET #state.#k = :v, version = :new",
            "ExpressionAttributeNames": {"#state": "state", "#k": key},
            "ExpressionAttributeValues": {":v": to_av(value)},
        }
        if version is None:  # written by someone without a version (a merge): claim it now
            update["ConditionExpression"] = "attribute_not_exists(version)"
            update["ExpressionAttributeValues"][":new"] = {"N": "1"}
        else:
            update["ConditionExpression"] = "version = :old"
            update["ExpressionAttributeValues"][":old"] = version
            update["ExpressionAttributeValues"][":new"] = {"N": str(int(version["N"]) + 1)}
        if "state" not in current:
            update["UpdateExpression"] = "SET #state = :m, version = :new"
            update["ExpressionAttributeNames"] = {"#state": "state"}
            update["ExpressionAttributeValues"][":m"] = to_av({key: value})
            del update["ExpressionAttributeValues"][":v"]
        return {"Update": update}

    def state(self, contact_id: str) -> dict[str, dict[str, Any]] | None:
        """The current state ({} when nothing was ever recorded); None: no such contact."""
        pk = contact_pk(contact_id)
        got = self._ddb.batch_get_item(
            RequestItems={self.table: {"Keys": [_key(pk, PROFILE), _key(pk, CONSENT)], "ConsistentRead": True}}
        )
        found = {i["sk"]["S"]: i for i in got.get("Responses", {}).get(self.table, [])}
        if PROFILE not in found:
            return None
        consent = from_item(found.get(CONSENT)) or {}
        state: dict[str, dict[str, Any]] = consent.get("state") or {}
        return state

    def history(self, contact_id: str, limit: int, cursor: str | None) -> tuple[list[ConsentEntry], str | None]:
        """Newest first."""
        pk = contact_pk(contact_id)
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":p": {"S": RECORD_PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = page_start(cursor, pk)
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._ddb.query(**kwargs)
        entries = [ConsentEntry.model_validate(from_item(i)) for i in response.get("Items", [])]
        return entries, encode_cursor(response.get("LastEvaluatedKey"))
