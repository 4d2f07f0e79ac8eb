"""The service desk table (pynamodb). The only module of the service that touches DynamoDB.

A ticket is ``TICKET#<id>``/``TICKET``; the ``by_contact`` index (``gsi1pk`` =
``CONTACT#<contact_id>``, ``gsi1sk`` = created time + id) lists a contact's tickets
newest first without a scan. The contact's owner (shared.owners, for reach) is at
``CONTACT#<contact_id>``/``OWNER`` (no ticket's pk starts so, and it is in no index).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from service_desk import SERVICE
from service_desk.models import Ticket
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import outbox_model, transaction_with_events
from shared.owners import OwnerStore, owner_model
from shared.table import table_meta

TICKET_SK = "TICKET"


class ByContact(GlobalSecondaryIndex["TicketItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_contact"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class TicketItem(KeyedItem):
    """pk ``TICKET#<id>``, sk ``TICKET``."""

    Meta = table_meta(SERVICE)
    gsi1pk = UnicodeAttribute()  # CONTACT#<contact_id>
    gsi1sk = UnicodeAttribute()  # <created_at>#<id>
    contact_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    description = UnicodeAttribute()
    channel = UnicodeAttribute()
    priority = UnicodeAttribute()
    status = UnicodeAttribute()
    opened_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()
    by_contact = ByContact()


OutboxRecord = outbox_model(table_meta(SERVICE))
OwnerRecord = owner_model(table_meta(SERVICE))


def _contact_pk(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def _ticket(item: TicketItem) -> Ticket:
    return Ticket.model_validate({**fields_of(item), "id": item.pk.removeprefix("TICKET#")})


class TicketRepository:
    def add(self, ticket: Ticket, events: list[Outgoing]) -> None:
        item = item_of(
            TicketItem,
            f"TICKET#{ticket.id}",
            TICKET_SK,
            ticket,
            gsi1pk=_contact_pk(ticket.contact_id),
            gsi1sk=f"{ticket.created_at.isoformat()}#{ticket.id}",
        )
        with transaction_with_events(OutboxRecord, events) as tx:
            tx.save(item, condition=TicketItem.pk.does_not_exist())

    def get(self, ticket_id: str) -> Ticket | None:
        try:
            return _ticket(TicketItem.get(f"TICKET#{ticket_id}", TICKET_SK, consistent_read=True))
        except DoesNotExist:
            return None

    def for_contact(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        results = TicketItem.by_contact.query(
            _contact_pk(contact_id), scan_index_forward=False, limit=limit, last_evaluated_key=start
        )
        return [_ticket(i) for i in results], results.last_evaluated_key

    def redact(self, contact_id: str, text: str, at: datetime) -> int:
        """Every ticket of the contact keeps its facts (channel, priority, status, times) but
        its subject and description become ``text``; returns how many changed."""
        done = 0
        for found in TicketItem.by_contact.query(_contact_pk(contact_id)):
            # The index may lag the table: read each ticket itself, then change it there.
            item = TicketItem.get(found.pk, TICKET_SK, consistent_read=True)
            if item.subject == text and item.description == text:
                continue
            actions: list[Any] = [
                TicketItem.subject.set(text),
                TicketItem.description.set(text),
                TicketItem.updated_at.set(at),
                TicketItem.version.add(1),
            ]
            item.update(actions=actions)
            done += 1
        return done


def contact_owners() -> OwnerStore:
    """Each contact's owner (``CONTACT#<contact_id>``/``OWNER``)."""
    return OwnerStore(OwnerRecord, _contact_pk)
