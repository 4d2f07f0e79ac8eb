"""The audience in the campaigns table (pynamodb): the only module that maps its items.

A recipient is ``CONTACT#<id>``/``RECIPIENT`` (table/keys.py): the recipient itself (JSON) and
when each part of it was decided (``stamps``), under a ``version`` every write is conditional
on. A membership is ``SEGMENT#<segment>``/``CONTACT#<id>``: a segment's members are one
partition, read page by page with a Query (never a scan). A recipient and its membership items
change in one transaction, with a check that the contact was not erased meanwhile (the
messages feature's ``ERASED`` mark, in the same partition).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from campaigns import SERVICE
from campaigns.audience.models import Recipient, RecipientState
from campaigns.messages.repository import ErasedItem
from campaigns.table.keys import CONTACT_PREFIX, SEGMENT_PREFIX, erased_key, member_key, recipient_key
from shared.items import KeyedItem
from shared.table import table_meta, transaction, transaction_conflict

if TYPE_CHECKING:
    from campaigns.audience.usecases import Change

STAMPS = {"profile_at", "consent_at", "memberships"}


class RecipientItem(KeyedItem):
    """pk ``CONTACT#<contact_id>``, sk ``RECIPIENT``."""

    Meta = table_meta(SERVICE)
    recipient = JSONAttribute()
    stamps = JSONAttribute()
    merged_into = UnicodeAttribute(null=True)
    version = NumberAttribute()


class MembershipItem(KeyedItem):
    """pk ``SEGMENT#<segment_id>``, sk ``CONTACT#<contact_id>``."""

    Meta = table_meta(SERVICE)
    contact_id = UnicodeAttribute()


def _state(item: RecipientItem) -> RecipientState:
    return RecipientState.model_validate(
        {"recipient": item.recipient, **item.stamps, "merged_into": item.merged_into, "version": int(item.version)}
    )


def _item(state: RecipientState) -> RecipientItem:
    return RecipientItem(
        *recipient_key(state.contact_id),
        recipient=state.recipient.model_dump(mode="json"),
        stamps=state.model_dump(mode="json", include=STAMPS),
        merged_into=state.merged_into,
        version=state.version,
    )


def _recipient(item: RecipientItem) -> Recipient | None:
    # A merged-away contact's tombstone is nobody to send to.
    return None if item.merged_into else Recipient.model_validate(item.recipient)


class AudienceRepository:
    # --- what the senders call --------------------------------------------------------

    def members(
        self, segment_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        """A page of the segment's contact ids (a Query on its partition) and where the next starts."""
        pk = SEGMENT_PREFIX + segment_id
        results = MembershipItem.query(
            pk,
            MembershipItem.sk.startswith(CONTACT_PREFIX),
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
            attributes_to_get=["contact_id"],
        )
        return [i.contact_id for i in results], results.last_evaluated_key

    def recipients(self, contact_ids: list[str]) -> dict[str, Recipient]:
        """The recipients among ``contact_ids`` (BatchGetItem, consistent reads, 100 keys a call
        and unprocessed keys asked again by pynamodb); unknown, erased or merged-away ids are absent."""
        keys = [recipient_key(cid) for cid in dict.fromkeys(contact_ids)]
        found: dict[str, Recipient] = {}
        for item in RecipientItem.batch_get(keys, consistent_read=True):
            recipient = _recipient(item)
            if recipient is not None:
                found[recipient.contact_id] = recipient
        return found

    def recipient(self, contact_id: str) -> Recipient | None:
        try:
            return _recipient(RecipientItem.get(*recipient_key(contact_id), consistent_read=True))
        except DoesNotExist:
            return None

    # --- what the reactions use -------------------------------------------------------

    def state(self, contact_id: str) -> RecipientState | None:
        """The stored state, marked ``erased`` when the contact was erased; None when neither."""
        try:
            state: RecipientState | None = _state(RecipientItem.get(*recipient_key(contact_id), consistent_read=True))
        except DoesNotExist:
            state = None
        try:
            ErasedItem.get(*erased_key(contact_id), consistent_read=True, attributes_to_get=["pk"])
        except DoesNotExist:
            return state
        return (state or RecipientState(recipient=Recipient(contact_id=contact_id))).model_copy(update={"erased": True})

    def commit(self, changes: list[Change]) -> bool:
        """Write each recipient (if still at the version read, and not erased) with the membership
        items it gained or lost, all or nothing; False when a condition or a concurrent
        transaction got in the way (read again)."""
        try:
            with transaction() as tx:
                for change in changes:
                    before, after = change.before, change.after
                    contact_id = after.contact_id
                    held = before.version if before is not None else 0
                    condition: Any = RecipientItem.pk.does_not_exist() if held == 0 else RecipientItem.version == held
                    tx.save(_item(after), condition=condition)
                    tx.condition_check(ErasedItem, *erased_key(contact_id), condition=ErasedItem.pk.does_not_exist())
                    had = set(before.segment_ids()) if before else set()
                    has = set(after.segment_ids())
                    for segment_id in sorted(has - had):
                        tx.save(MembershipItem(*member_key(segment_id, contact_id), contact_id=contact_id))
                    for segment_id in sorted(had - has):
                        tx.delete(MembershipItem(*member_key(segment_id, contact_id)))
        except TransactWriteError as exc:
            if transaction_conflict(exc):
                return False
            raise
        return True

    def forget(self, state: RecipientState) -> None:
        """The recipient and its membership items go (idempotent)."""
        with MembershipItem.batch_write() as batch:
            for segment_id in state.segment_ids():
                batch.delete(MembershipItem(*member_key(segment_id, state.contact_id)))
        RecipientItem(*recipient_key(state.contact_id)).delete()
