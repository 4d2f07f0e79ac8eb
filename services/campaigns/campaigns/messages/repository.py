"""Messages in the campaigns table (pynamodb): the only module that maps them.

Messages live in their contact's partition, ``CONTACT#<contact_id>``, at sk
``MESSAGE#<template>`` (table/keys.py): listing a contact's messages is a query, and the key itself
makes 'one welcome per contact' a condition. The contact's owner (shared.owners, for
reach) is at ``CONTACT#<contact_id>``/``OWNER``; an erased contact's mark at ``ERASED``
(no message is claimed for them after it: a LeadCreated retried late sends nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError

from campaigns import SERVICE
from campaigns.messages.models import Message, MessageStatus
from campaigns.table.items import OutboxRecord, OwnerRecord
from campaigns.table.keys import ERASED_SK, MESSAGE_PREFIX, contact_pk
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import transaction_with_events
from shared.owners import OwnerStore
from shared.table import is_conditional_failure, table_meta, transaction


class MessageItem(KeyedItem):
    """pk ``CONTACT#<contact_id>``, sk ``MESSAGE#<template>``."""

    Meta = table_meta(SERVICE)
    id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    template = UnicodeAttribute()
    to = UnicodeAttribute()
    status = UnicodeAttribute()
    ses_message_id = UnicodeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class ErasedItem(KeyedItem):
    """pk ``CONTACT#<contact_id>``, sk ``ERASED``: the person was erased; nothing more is sent."""

    Meta = table_meta(SERVICE)
    erased_at = UTCDateTimeAttribute()


_pk = contact_pk


def _message(item: MessageItem) -> Message:
    return Message.model_validate(fields_of(item))


class MessageRepository:
    def get(self, contact_id: str, template: str) -> Message | None:
        try:
            return _message(MessageItem.get(_pk(contact_id), MESSAGE_PREFIX + template, consistent_read=True))
        except DoesNotExist:
            return None

    def claim(self, message: Message) -> bool:
        """Write the message before sending it; False when it exists already, or when the
        contact was erased (checked in the same transaction, so an erasure cannot slip between)."""
        item = item_of(MessageItem, _pk(message.contact_id), MESSAGE_PREFIX + message.template, message)
        try:
            with transaction() as tx:
                tx.save(item, condition=MessageItem.pk.does_not_exist())
                tx.condition_check(
                    ErasedItem, _pk(message.contact_id), ERASED_SK, condition=ErasedItem.pk.does_not_exist()
                )
        except TransactWriteError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def release(self, message: Message) -> None:
        """Drop a claim whose send never happened (only while it is still ours and in flight)."""
        item = MessageItem(pk=_pk(message.contact_id), sk=MESSAGE_PREFIX + message.template)
        try:
            item.delete(condition=(MessageItem.id == message.id) & (MessageItem.status == MessageStatus.SENDING.value))
        except DeleteError as exc:
            if not is_conditional_failure(exc):
                raise

    def finish(self, message: Message, events: list[Outgoing]) -> None:
        """Record the outcome of a claimed send with its events, all or nothing."""
        actions: list[Any] = [MessageItem.status.set(message.status.value)]
        if message.ses_message_id is not None:
            actions.append(MessageItem.ses_message_id.set(message.ses_message_id))
        if message.sent_at is not None:
            actions.append(MessageItem.sent_at.set(message.sent_at))
        with transaction_with_events(OutboxRecord, events, conflict="the message is no longer in flight") as tx:
            tx.update(
                MessageItem(pk=_pk(message.contact_id), sk=MESSAGE_PREFIX + message.template),
                actions=actions,
                condition=(MessageItem.id == message.id) & (MessageItem.status == MessageStatus.SENDING.value),
            )

    def anonymise(self, contact_id: str, address: str, at: datetime) -> int:
        """The contact is marked erased (no claim after this), then every message of theirs
        keeps its outcome but not its recipient's address; returns how many changed."""
        ErasedItem(_pk(contact_id), ERASED_SK, erased_at=at).save()
        done = 0
        for item in MessageItem.query(_pk(contact_id), MessageItem.sk.startswith(MESSAGE_PREFIX), consistent_read=True):
            if item.to != address:
                item.update(actions=[MessageItem.to.set(address)])
                done += 1
        return done

    def list_for_contact(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Message], dict[str, Any] | None]:
        results = MessageItem.query(
            _pk(contact_id), MessageItem.sk.startswith(MESSAGE_PREFIX), limit=limit, last_evaluated_key=start
        )
        return [_message(i) for i in results], results.last_evaluated_key


def contact_owners() -> OwnerStore:
    """Each contact's owner, in the contact's partition (``CONTACT#<contact_id>``/``OWNER``)."""
    return OwnerStore(OwnerRecord, _pk)
