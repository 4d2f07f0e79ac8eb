"""The loyalty table (pynamodb). The only module of the service that touches DynamoDB.

A member's profile and ledger share a partition, ``MEMBER#<contact_id>``: the profile at
sk ``PROFILE``, the contact's owner at ``OWNER`` (shared.owners, for reach), entries at
``LEDGER#<cause time>#<cause event id>`` (chronological, and
deterministic per cause so that ``attribute_not_exists`` makes each credit happen once).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from loyalty import SERVICE
from loyalty.models import LedgerEntry, Member
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import outbox_model, transaction_with_events
from shared.owners import OwnerStore, owner_model
from shared.table import table_meta

PROFILE = "PROFILE"
LEDGER_PREFIX = "LEDGER#"


class MemberItem(KeyedItem):
    """pk ``MEMBER#<contact_id>``, sk ``PROFILE``."""

    Meta = table_meta(SERVICE)
    points_balance = NumberAttribute()
    lifetime_points = NumberAttribute()
    tier = UnicodeAttribute()
    enrolled_at = UTCDateTimeAttribute()
    version = NumberAttribute()


class LedgerItem(KeyedItem):
    """pk ``MEMBER#<contact_id>``, sk ``LEDGER#<occurred_at>#<entry_id>``."""

    Meta = table_meta(SERVICE)
    entry_id = UnicodeAttribute()
    points = NumberAttribute()
    reason = UnicodeAttribute()
    balance_after = NumberAttribute()
    occurred_at = UTCDateTimeAttribute()


OutboxRecord = outbox_model(table_meta(SERVICE))
OwnerRecord = owner_model(table_meta(SERVICE))


def _member_key(contact_id: str) -> str:
    return f"MEMBER#{contact_id}"


def _entry_sk(entry: LedgerEntry) -> str:
    return f"{LEDGER_PREFIX}{entry.occurred_at.isoformat()}#{entry.entry_id}"


def _entry_item(contact_id: str, entry: LedgerEntry) -> LedgerItem:
    return item_of(LedgerItem, _member_key(contact_id), _entry_sk(entry), entry)


class LoyaltyRepository:
    def get_member(self, contact_id: str) -> Member | None:
        try:
            item = MemberItem.get(_member_key(contact_id), PROFILE, consistent_read=True)
        except DoesNotExist:
            return None
        return Member.model_validate({**fields_of(item), "contact_id": contact_id})

    def has_entry(self, contact_id: str, entry: LedgerEntry) -> bool:
        try:
            LedgerItem.get(_member_key(contact_id), _entry_sk(entry), consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def enrol(self, member: Member, entry: LedgerEntry, events: list[Outgoing]) -> None:
        """A new member with its first entry and events; Conflict when either exists already."""
        item = item_of(MemberItem, _member_key(member.contact_id), PROFILE, member, version=1)
        self._write(
            member.contact_id, entry, events, lambda tx: tx.save(item, condition=MemberItem.pk.does_not_exist())
        )

    def credit(self, member: Member, entry: LedgerEntry, events: list[Outgoing]) -> None:
        """The member's new balance (guarded by the version read) with its entry and events."""

        def update(tx: Any) -> None:
            tx.update(
                MemberItem(pk=_member_key(member.contact_id), sk=PROFILE),
                actions=[
                    MemberItem.points_balance.set(member.points_balance),
                    MemberItem.lifetime_points.set(member.lifetime_points),
                    MemberItem.tier.set(member.tier.value),
                    MemberItem.version.set(member.version + 1),
                ],
                condition=MemberItem.version == member.version,
            )

        self._write(member.contact_id, entry, events, update)

    def _write(self, contact_id: str, entry: LedgerEntry, events: list[Outgoing], member_write: Any) -> None:
        conflict = "the member changed meanwhile, or this cause was credited already"
        with transaction_with_events(OutboxRecord, events, conflict=conflict) as tx:
            member_write(tx)
            tx.save(_entry_item(contact_id, entry), condition=LedgerItem.sk.does_not_exist())

    def ledger(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[LedgerEntry], dict[str, Any] | None]:
        # Newest first: what a member (or an agent) asks about is recent activity.
        results = LedgerItem.query(
            _member_key(contact_id),
            LedgerItem.sk.startswith(LEDGER_PREFIX),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
        entries = [
            LedgerEntry(
                entry_id=i.entry_id,
                points=int(i.points),
                reason=i.reason,
                balance_after=int(i.balance_after),
                occurred_at=i.occurred_at,
            )
            for i in results
        ]
        return entries, results.last_evaluated_key


def contact_owners() -> OwnerStore:
    """Each contact's owner, in the member's partition (``MEMBER#<contact_id>``/``OWNER``)."""
    return OwnerStore(OwnerRecord, _member_key)
