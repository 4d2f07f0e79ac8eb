"""The members' ledgers in the loyalty table (pynamodb): profiles, entries, causes and lots,
the only module that maps them. Every change is a ``Posting``, written in one transaction:

- the profile, guarded by the version read (``attribute_not_exists`` for a new member);
- the cause, ``attribute_not_exists``: a second posting of one cause fails here, and is
  told apart from a stale version by DynamoDB's cancellation reasons (no read before);
- the entry, the lots it opened or took from (a used-up lot is deleted; its history is in
  the entries), the items of other features (tagged), and the outbox records.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from loyalty import SERVICE
from loyalty.ledger.models import NEVER, Duplicate, LedgerEntry, Lot, Posting, Refused, Stale
from loyalty.members.models import Member
from loyalty.table.items import OutboxRecord
from loyalty.table.keys import (
    LEDGER_PREFIX,
    LOT_PREFIX,
    cause_key,
    entry_key,
    lot_key,
    lots_until,
    member_pk,
    profile_key,
)
from shared.items import KeyedItem, fields_of
from shared.outbox import outbox_record
from shared.table import TRANSACTION_CONFLICT, MixedTransaction, cancellation_codes, is_conditional_failure, table_meta

PROFILE_TAG, CAUSE_TAG = "profile", "cause"
# DynamoDB allows 100 items per transaction; a posting keeps room for the profile, cause,
# entry, outbox records and another feature's few items.
MAX_LOTS_PER_POSTING = 80


class ProfileItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``PROFILE``."""

    Meta = table_meta(SERVICE)
    points_balance = NumberAttribute()
    lifetime_points = NumberAttribute()
    pending_points = NumberAttribute(default=0)
    tier = UnicodeAttribute()
    tier_review_on = UnicodeAttribute(null=True)
    earned_by_month = JSONAttribute(default=dict)
    spend_by_month = JSONAttribute(default=dict)
    caps = JSONAttribute(default=dict)
    enrolled_at = UTCDateTimeAttribute()
    birthday = UnicodeAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)
    version = NumberAttribute()


class EntryItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``LEDGER#<seq>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()


class CauseItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``CAUSE#<cause id>``."""

    Meta = table_meta(SERVICE)
    seq = NumberAttribute()
    data = JSONAttribute(default=dict)


class LotItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``LOT#<expires on>#<lot id>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()


def _member(item: ProfileItem) -> Member:
    values = fields_of(item)
    values["spend_by_month"] = {k: Decimal(v) for k, v in (item.spend_by_month or {}).items()}
    return Member.model_validate({**values, "contact_id": item.pk.removeprefix(member_pk(""))})


def _profile_item(member: Member) -> ProfileItem:
    values = member.model_dump(mode="json", exclude={"contact_id"})
    values["enrolled_at"] = member.enrolled_at
    return ProfileItem(*profile_key(member.contact_id), **values)


def _lot_item(contact_id: str, lot: Lot, remaining: int) -> LotItem:
    body = lot.model_copy(update={"remaining": remaining}).model_dump(mode="json")
    return LotItem(*lot_key(contact_id, lot.expires_on, lot.lot_id), body=body)


class LedgerRepository:
    def member(self, contact_id: str) -> Member | None:
        try:
            return _member(ProfileItem.get(*profile_key(contact_id), consistent_read=True))
        except DoesNotExist:
            return None

    def cause(self, contact_id: str, cause_id: str) -> dict[str, Any] | None:
        """What a posted cause recorded (a purchase: its order, lot and points), or None."""
        try:
            item = CauseItem.get(*cause_key(contact_id, cause_id), consistent_read=True)
        except DoesNotExist:
            return None
        return {**(item.data or {}), "seq": int(item.seq)}

    def lots(self, contact_id: str, until: date = NEVER, limit: int | None = None) -> list[Lot]:
        """Open lots expiring on or before ``until``, soonest first."""
        items = LotItem.query(
            member_pk(contact_id), LotItem.sk.between(LOT_PREFIX, lots_until(until)), consistent_read=True, limit=limit
        )
        return [Lot.model_validate(i.body) for i in items]

    def lot(self, contact_id: str, expires_on: date, lot_id: str) -> Lot | None:
        try:
            return Lot.model_validate(LotItem.get(*lot_key(contact_id, expires_on, lot_id), consistent_read=True).body)
        except DoesNotExist:
            return None

    def entry(self, contact_id: str, seq: int) -> LedgerEntry:
        return LedgerEntry.model_validate(EntryItem.get(*entry_key(contact_id, seq), consistent_read=True).body)

    def ledger(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[LedgerEntry], dict[str, Any] | None]:
        # Newest first: what a member (or an agent) asks about is recent activity.
        results = EntryItem.query(
            member_pk(contact_id),
            EntryItem.sk.startswith(LEDGER_PREFIX),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
        return [LedgerEntry.model_validate(i.body) for i in results], results.last_evaluated_key

    def forget_birthday(self, contact_id: str) -> None:
        """Erasure: the one personal datum of a profile goes (no-op for a non-member)."""
        from pynamodb.exceptions import UpdateError

        try:
            ProfileItem(*profile_key(contact_id)).update(
                actions=[ProfileItem.birthday.remove()], condition=ProfileItem.pk.exists()
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    def post(self, *postings: Posting) -> None:
        """Write the postings (one member each) in one transaction. Duplicate when a cause
        was posted already, Stale when a member moved, Refused when another feature's
        condition failed."""
        tx = MixedTransaction()
        for posting in postings:
            _add(tx, posting)
        try:
            tx.commit()
        except TransactWriteError as exc:
            failed = tx.failed(exc)
            if CAUSE_TAG in failed:
                raise Duplicate from None
            if PROFILE_TAG in failed or TRANSACTION_CONFLICT in cancellation_codes(exc):
                raise Stale from None
            if failed:
                raise Refused(failed) from None
            raise


def _add(tx: MixedTransaction, posting: Posting) -> None:
    after, contact_id = posting.after, posting.after.contact_id
    profile = _profile_item(after)
    if posting.before is None:
        tx.save(profile, condition=ProfileItem.pk.does_not_exist(), tag=PROFILE_TAG)
    else:
        tx.save(profile, condition=ProfileItem.version == posting.before.version, tag=PROFILE_TAG)
    cause = CauseItem(*cause_key(contact_id, posting.cause_id), seq=after.version, data=posting.cause)
    tx.save(cause, condition=CauseItem.sk.does_not_exist(), tag=CAUSE_TAG)
    if posting.entry is not None:
        entry = EntryItem(*entry_key(contact_id, posting.entry.seq), body=posting.entry.model_dump(mode="json"))
        tx.save(entry, condition=EntryItem.sk.does_not_exist(), tag=PROFILE_TAG)
    for cause_id, data in posting.amended:
        tx.save(CauseItem(*cause_key(contact_id, cause_id), seq=data["seq"], data=data))
    for lot in posting.opened:
        tx.save(_lot_item(contact_id, lot, lot.remaining))
    for lot, taken in posting.taken:
        # The version guard serialises every change of the member's lots: no condition here.
        if taken >= lot.remaining:
            tx.delete(_lot_item(contact_id, lot, 0))
        else:
            tx.save(_lot_item(contact_id, lot, lot.remaining - taken))
    for extra in posting.extras:
        extra(tx)
    for event in posting.events:
        tx.save(outbox_record(OutboxRecord, event))
