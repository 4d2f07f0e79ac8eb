"""Each service's copy of its contacts' owners (shared.reach): one small item per contact in
the service's own table, at ``<the service's contact partition>`` / ``OWNER``, written by
its LeadAssigned consumer and dropped on ContactErased.

The newest assignment wins whatever order the events arrive in: the write is conditional on
the item being absent or older than the event, so a redelivery or a stale event changes
nothing. Its own module because it imports pynamodb at once (repositories only).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from shared.reach import ContactOwner
from shared.table import is_conditional_failure

OWNER_SK = "OWNER"


def owner_model(meta: Any) -> type[Model]:
    """The owner item model bound to one service's table (like shared.outbox.outbox_model)."""

    class OwnerItem(Model):
        Meta = meta
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        owner_id = UnicodeAttribute()
        assigned_at = UTCDateTimeAttribute()

    return OwnerItem


class OwnerStore:
    """``shared.reach.Owners`` over a service's owner items; ``partition`` names the
    contact's partition in that service's table (``CONTACT#<id>``, ``MEMBER#<id>``...)."""

    def __init__(self, model: type[Model], partition: Callable[[str], str]) -> None:
        self._model: Any = model
        self._partition = partition

    def owner_of(self, contact_id: str) -> ContactOwner | None:
        try:
            item = self._model.get(self._partition(contact_id), OWNER_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return ContactOwner(owner_id=item.owner_id, assigned_at=item.assigned_at)

    def record(self, contact_id: str, owner_id: str, assigned_at: datetime) -> bool:
        """The owner as of ``assigned_at``; False (nothing written) when a newer or equal one is known."""
        model = self._model
        item = model(self._partition(contact_id), OWNER_SK, owner_id=owner_id, assigned_at=assigned_at)
        try:
            item.save(condition=model.pk.does_not_exist() | (model.assigned_at < assigned_at))
        except PutError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def forget(self, contact_id: str) -> None:
        """ContactErased: the owner is no longer kept (a delete of a missing item is a no-op)."""
        self._model(self._partition(contact_id), OWNER_SK).delete()
