"""The service desk table (pynamodb). The only module of the service that touches DynamoDB.

A ticket is ``TICKET#<id>``/``TICKET``; the ``by_contact`` index (``gsi1pk`` =
``CONTACT#<contact_id>``, ``gsi1sk`` = created time + id) lists a contact's tickets
newest first without a scan.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from service_desk import SERVICE
from service_desk.models import Ticket
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import outbox_model, transaction_with_events
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


def _ticket(item: TicketItem) -> Ticket:
    return Ticket.model_validate({**fields_of(item), "id": item.pk.removeprefix("TICKET#")})


class TicketRepository:
    def add(self, ticket: Ticket, events: list[Outgoing]) -> None:
        item = item_of(
            TicketItem,
            f"TICKET#{ticket.id}",
            TICKET_SK,
            ticket,
            gsi1pk=f"CONTACT#{ticket.contact_id}",
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
            f"CONTACT#{contact_id}", scan_index_forward=False, limit=limit, last_evaluated_key=start
        )
        return [_ticket(i) for i in results], results.last_evaluated_key
