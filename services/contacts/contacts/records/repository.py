"""Records' storage (pynamodb): profiles, claims, index entries, and the merge's moves. The
only module of the records feature that talks to DynamoDB (its items: records/items.py).

Every write of a profile also writes, in the same transaction, the claims and index
entries that ``contacts.records.search`` derives from it (and removes the stale ones), plus the
outbox records of its events: a list or a dedup check never sees half a change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from contacts.records.errors import DuplicateContact
from contacts.records.items import (
    Claim,
    ContactItem,
    DeletedMarker,
    IndexEntry,
    OutboxRecord,
    index_items,
    to_contact,
    to_item,
)
from contacts.records.models import IndexRead
from contacts.records.search import CLAIMED_FIELDS, claims
from contacts.table.keys import (
    CLAIM,
    DELETED,
    EMAIL_CLAIM_PREFIX,
    PROFILE,
    contact_pk,
    email_claim_pk,
    index_pk,
    phone_claim_pk,
    suppression_pk,
)
from shared.errors import Conflict, NotFound, StaleVersion
from shared.outbox import outbox_record
from shared.table import MixedTransaction, is_conditional_failure

if TYPE_CHECKING:
    from contacts.fields.models import FieldDef
    from contacts.records.models import Contact, MergeWrite
    from contacts.records.ports import FieldDefinitions, SegmentMembers
    from shared.events import Outgoing

BATCH_GET_LIMIT = 100


def now() -> datetime:
    return datetime.now(UTC)


def _index_diff(tx: Any, old: Contact | None, new: Contact | None) -> None:
    """Index entries: add what ``new`` is found by, remove what only ``old`` was."""
    old_index = index_items(old) if old else {}
    new_index = index_items(new) if new else {}
    for (pk, sk), cid in new_index.items():
        if (pk, sk) not in old_index:
            tx.save(IndexEntry(pk=pk, sk=sk, contact_id=cid))
    for pk, sk in old_index.keys() - new_index.keys():
        tx.delete(IndexEntry(pk=pk, sk=sk))


class ContactRepository:
    """``fields`` and ``segments`` are the other features' stores records reads through
    (the custom field definitions a write is checked against; a segment's members, for a
    list filtered by segment): bootstrap passes them in."""

    def __init__(self, fields: FieldDefinitions, segments: SegmentMembers) -> None:
        self._fields = fields
        self._segments = segments

    # --- contacts -------------------------------------------------------------------

    def add(self, contact: Contact, events: list[Outgoing]) -> Contact:
        """Store a new contact with its claims, index entries and events, all or nothing."""
        return self._write(None, contact, events)

    def replace(self, old: Contact, new: Contact, events: list[Outgoing]) -> Contact:
        """Replace ``old`` (conditional on its version) by ``new``; claims and index follow."""
        return self._write(old, new, events)

    def remove(self, old: Contact, events: list[Outgoing], deleted_at: datetime | None = None) -> None:
        """Delete the profile, its claims and index entries; leave the DELETED marker (the
        erasure of a deleted contact reads it: records.items.DeletedMarker)."""
        suppress = sorted(suppression_pk(k) for k in claims(old) if k.startswith(EMAIL_CLAIM_PREFIX))
        marker = DeletedMarker(
            pk=contact_pk(old.id), sk=DELETED, contact_id=old.id, deleted_at=deleted_at or now(), suppress=suppress
        )
        self._write(old, None, events, also=[marker])

    def _write(
        self, old: Contact | None, new: Contact | None, events: list[Outgoing], also: list[Any] | None = None
    ) -> Contact:
        old_claims = claims(old) if old else set()
        new_claims = claims(new) if new else set()
        try:
            with MixedTransaction() as tx:
                if new is not None:
                    item = to_item(new.model_copy(update={"version": old.version if old else 0}))
                    if old is None:
                        tx.save(item, condition=ContactItem.pk.does_not_exist())
                    else:
                        tx.save(item)  # VersionAttribute: only if still at old.version
                elif old is not None:
                    tx.delete(ContactItem(pk=contact_pk(old.id), sk=PROFILE, version=old.version))
                owner = new.id if new else ""
                for key in new_claims - old_claims:
                    tx.save(
                        Claim(pk=key, sk=CLAIM, contact_id=owner),
                        condition=Claim.pk.does_not_exist() | (Claim.contact_id == owner),
                    )
                for key in old_claims - new_claims:
                    assert old is not None
                    tx.delete(Claim(pk=key, sk=CLAIM), condition=Claim.contact_id == old.id)
                _index_diff(tx, old, new)
                for extra in also or []:
                    tx.save(extra)
                for event in events:
                    tx.save(outbox_record(OutboxRecord, event))
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            self._explain_conflict(old, new, new_claims - old_claims)
        if new is None:
            assert old is not None
            return old
        return new.model_copy(update={"version": (old.version if old else 0) + 1})

    def _explain_conflict(self, old: Contact | None, new: Contact | None, wanted: set[str]) -> None:
        me = new.id if new else None
        for key in sorted(wanted):
            holder = self.claim_holder(key)
            if holder is not None and holder != me:
                raise DuplicateContact.held(key, holder)
        if old is not None:
            current = self.get(old.id)
            if current is None:
                raise NotFound(f"contact {old.id} not found")
            raise StaleVersion(
                f"contact {old.id} changed: version {current.version} is current, not {old.version}",
                current_version=current.version,
            )
        raise Conflict("the contact exists")

    def get(self, contact_id: str) -> Contact | None:
        item = self._item(contact_id)
        return to_contact(item) if item is not None and item.merged_into is None else None

    def owner_of(self, contact_id: str) -> Contact | None:
        """shared.reach.Owners: contacts keeps the owner (and the creator) on the profile."""
        return self.get(contact_id)

    def merged_into(self, contact_id: str) -> str | None:
        item = self._item(contact_id)
        return item.merged_into if item is not None else None

    def _item(self, contact_id: str) -> ContactItem | None:
        try:
            return ContactItem.get(contact_pk(contact_id), PROFILE, consistent_read=True)
        except DoesNotExist:
            return None

    def get_many(self, ids: list[str]) -> dict[str, Contact]:
        found: dict[str, Contact] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            keys = [(contact_pk(i), PROFILE) for i in unique[start : start + BATCH_GET_LIMIT]]
            for item in ContactItem.batch_get(keys):
                if item.merged_into is None:
                    contact = to_contact(item)
                    found[contact.id] = contact
        return found

    def claim_holder(self, key: str) -> str | None:
        try:
            return Claim.get(key, CLAIM, consistent_read=True).contact_id
        except DoesNotExist:
            return None

    def id_by_email(self, email: str) -> str | None:
        return self.claim_holder(email_claim_pk(email))

    def id_by_phone(self, e164: str) -> str | None:
        return self.claim_holder(phone_claim_pk(e164))

    # --- index queries ----------------------------------------------------------------

    def index_page(self, read: IndexRead) -> tuple[list[tuple[str, str]], bool]:
        """Up to ``read.limit`` (sk, contact id) of one index entry partition, in sk order; and
        whether more may follow. ``created_*`` bound the sk (it starts with created_at).
        An exact email or phone (digits) is its claim's holder, if any."""
        if read.field in CLAIMED_FIELDS:
            holder = self.id_by_email(read.value) if read.field == "email" else self.id_by_phone(f"+{read.value}")
            return ([(holder, holder)] if holder and read.after is None else []), False
        condition: Any = None
        if read.created_from and read.created_to:
            condition = IndexEntry.sk.between(read.created_from, read.created_to + "\uffff")
        elif read.created_from:
            condition = IndexEntry.sk >= read.created_from
        elif read.created_to:
            condition = IndexEntry.sk <= read.created_to + "\uffff"
        pk = index_pk(read.field, read.value)
        start = {"pk": {"S": pk}, "sk": {"S": read.after}} if read.after else None
        result = IndexEntry.query(pk, condition, limit=read.limit, last_evaluated_key=start, page_size=read.limit)
        rows = [(e.sk, e.contact_id) for e in result]
        return rows, result.last_evaluated_key is not None

    def index_ids(self, field: str, value: str, limit: int = 50) -> list[str]:
        rows, _ = self.index_page(IndexRead(field, value, limit=limit))
        return [cid for _, cid in rows]

    def field_defs(self) -> list[FieldDef]:
        return self._fields.field_defs()

    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]:
        return self._segments.segment_page(segment_id, after=after, limit=limit)

    def members_among(self, segment_id: str, ids: list[str]) -> set[str]:
        return self._segments.members_among(segment_id, ids)

    # --- for other features ----------------------------------------------------------

    def held_keys(self, contact_id: str) -> tuple[list[str], list[tuple[str, str]]]:
        """The claims and IDX# entries records keeps for a contact (by records' own rules,
        contacts.records.search), so that an erasure can never miss one records added."""
        contact = self.get(contact_id)
        if contact is None:
            return [], []
        return sorted(claims(contact)), sorted(index_items(contact))

    @staticmethod
    def claim_keys(contact: Contact) -> set[str]:
        """The email/phone claims a contact holds (a bulk load claims them itself)."""
        return claims(contact)

    @staticmethod
    def claim_item(key: str, contact_id: str) -> dict[str, Any]:
        """A claim item in DynamoDB's form (BatchWriteItem, transactions), built directly:
        thousands per import chunk, where a pynamodb model per item cost more than the write."""
        return {"pk": {"S": key}, "sk": {"S": CLAIM}, "contact_id": {"S": contact_id}}

    @staticmethod
    def index_item(pk: str, sk: str, contact_id: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}, "contact_id": {"S": contact_id}}

    @classmethod
    def bulk_items(cls, contact: Contact) -> list[dict[str, Any]]:
        """A new contact's profile (version 1) and index entries in DynamoDB's form, for a
        bulk load that writes them with BatchWriteItem after claiming (``claim_item``)."""
        profile: dict[str, Any] = to_item(contact.model_copy(update={"version": 1})).serialize()
        entries = [
            {"pk": {"S": pk}, "sk": {"S": sk}, "contact_id": {"S": cid}}
            for (pk, sk), cid in index_items(contact).items()
        ]
        return [profile, *entries]

    # --- merge --------------------------------------------------------------------------

    def partition(self, contact_id: str) -> Iterator[dict[str, Any]]:
        """Every item under a contact's partition, raw (one query, paginated)."""
        from shared.aws import client

        ddb = client("dynamodb")
        kwargs: dict[str, Any] = {
            "TableName": ContactItem.Meta.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": contact_pk(contact_id)}},
            "ConsistentRead": True,
        }
        while True:
            page = ddb.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def copy_items(self, items: list[dict[str, Any]], to_contact: str) -> None:
        """One transaction (at most 100 items): each item put under ``to_contact``'s
        partition with the same sk. Re-running it writes the same values (idempotent)."""
        from shared.aws import client

        table = ContactItem.Meta.table_name
        writes = [{"Put": {"TableName": table, "Item": {**i, "pk": {"S": contact_pk(to_contact)}}}} for i in items]
        if writes:
            client("dynamodb").transact_write_items(TransactItems=writes)

    def merge_profiles(self, merge: MergeWrite) -> Contact:
        """The merge's decisive transaction: the winner's profile, the loser's tombstone,
        claims moved, index entries re-derived, events queued, ``merge.also`` committed with it."""
        winner_before, winner_after, loser = merge.winner_before, merge.winner_after, merge.loser
        moved = claims(loser)
        winner_claims = claims(winner_after)
        try:
            with MixedTransaction() as tx:
                # Loser: a tombstone pointing at the winner (a retried merge, or a late
                # request, finds where it went); its index entries go.
                tx.update(
                    ContactItem(pk=contact_pk(loser.id), sk=PROFILE, version=loser.version),
                    actions=[ContactItem.merged_into.set(winner_after.id), ContactItem.updated_at.set(now())],
                )
                _index_diff(tx, loser, None)
                # Claims: the loser's pass to the winner (in place: one item, one action).
                for key in moved:
                    if key in winner_claims:
                        tx.save(
                            Claim(pk=key, sk=CLAIM, contact_id=winner_after.id),
                            condition=(Claim.contact_id == loser.id) | (Claim.contact_id == winner_after.id),
                        )
                    else:
                        tx.delete(Claim(pk=key, sk=CLAIM), condition=Claim.contact_id == loser.id)
                for key in winner_claims - moved - claims(winner_before):
                    tx.save(
                        Claim(pk=key, sk=CLAIM, contact_id=winner_after.id),
                        condition=Claim.pk.does_not_exist() | (Claim.contact_id == winner_after.id),
                    )
                # Winner: the merged profile, only if still at the version read.
                tx.save(to_item(winner_after.model_copy(update={"version": winner_before.version})))
                _index_diff(tx, winner_before, winner_after)
                # Other features' items that change with the merge (privacy's opt-outs),
                # as that feature's repository wrote them out.
                for write in merge.also:
                    tx.add(write)
                for event in merge.events:
                    tx.save(outbox_record(OutboxRecord, event))
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            raise StaleVersion("one of the contacts changed during the merge; retry it") from None
        return winner_after.model_copy(update={"version": winner_before.version + 1})
