"""Referrals in the loyalty table (pynamodb): codes, their owners, who referred whom.

Every change is conditional (created once, a state moved only from the state it was read
in), so twin deliveries and concurrent requests meet at DynamoDB, never at a read.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from loyalty import SERVICE
from loyalty.referrals.models import Referral, ReferralState
from loyalty.table.items import OutboxRecord
from loyalty.table.keys import member_referral_key, referral_code_key, referred_key
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of
from shared.outbox import transaction_with_events
from shared.table import is_conditional_failure, table_meta, transaction


class CodeItem(KeyedItem):
    """pk ``REFERRAL#<code>``, sk ``CODE`` → the member it belongs to."""

    Meta = table_meta(SERVICE)
    contact_id = UnicodeAttribute()


class MemberCodeItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``REFERRAL_CODE`` → the member's one code."""

    Meta = table_meta(SERVICE)
    code = UnicodeAttribute()


class ReferredItem(KeyedItem):
    """pk ``MEMBER#<referred id>``, sk ``REFERRED``."""

    Meta = table_meta(SERVICE)
    referrer_id = UnicodeAttribute()
    code = UnicodeAttribute()
    state = UnicodeAttribute()
    linked_at = UTCDateTimeAttribute()
    order_id = UnicodeAttribute(null=True)


class ReferralRepository:
    def code_of(self, contact_id: str) -> str | None:
        try:
            return str(MemberCodeItem.get(*member_referral_key(contact_id), consistent_read=True).code)
        except DoesNotExist:
            return None

    def owner_of(self, code: str) -> str | None:
        try:
            return str(CodeItem.get(*referral_code_key(code), consistent_read=True).contact_id)
        except DoesNotExist:
            return None

    def create_code(self, contact_id: str, code: str) -> bool:
        """The code and the member's pointer to it, both once; False when either exists
        (the member got one concurrently, or the code is taken: the caller re-reads)."""
        try:
            with transaction() as tx:
                tx.save(
                    CodeItem(*referral_code_key(code), contact_id=contact_id), condition=CodeItem.pk.does_not_exist()
                )
                tx.save(
                    MemberCodeItem(*member_referral_key(contact_id), code=code),
                    condition=MemberCodeItem.pk.does_not_exist(),
                )
        except TransactWriteError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def link(self, referral: Referral) -> bool:
        """False when the member was referred already (by any code)."""
        item = ReferredItem(
            *referred_key(referral.referred_id),
            referrer_id=referral.referrer_id,
            code=referral.code,
            state=referral.state.value,
            linked_at=referral.linked_at,
        )
        try:
            item.save(condition=ReferredItem.pk.does_not_exist())
        except PutError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def referral(self, referred_id: str) -> Referral | None:
        try:
            item = ReferredItem.get(*referred_key(referred_id), consistent_read=True)
        except DoesNotExist:
            return None
        return Referral.model_validate({**fields_of(item), "referred_id": referred_id})

    def move(self, referred_id: str, before: ReferralState, after: ReferralState, order_id: str | None = None) -> bool:
        """``before`` → ``after`` (with the order), False when it was not in ``before``."""
        item = ReferredItem(*referred_key(referred_id))
        actions: list[Action] = [ReferredItem.state.set(after.value)]
        if order_id is not None:
            actions.append(ReferredItem.order_id.set(order_id))
        try:
            item.update(actions=actions, condition=ReferredItem.state == before.value)
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def complete(self, referred_id: str, order_id: str, events: list[Outgoing]) -> bool:
        """purchased → completed with its events in one transaction: published once."""
        item = ReferredItem(*referred_key(referred_id))
        condition = (ReferredItem.state == ReferralState.PURCHASED.value) & (ReferredItem.order_id == order_id)
        try:
            with transaction_with_events(OutboxRecord, events) as tx:
                tx.update(item, actions=[ReferredItem.state.set(ReferralState.COMPLETED.value)], condition=condition)
        except TransactWriteError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True
