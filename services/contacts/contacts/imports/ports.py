"""What imports needs from records (bootstrap passes records' repository in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from contacts.records.models import Contact


class BulkRecords(Protocol):
    """records' items of new contacts in DynamoDB's form, for BatchWriteItem: the claims
    are put first, conditionally, then the profiles and index entries."""

    def claim_keys(self, contact: Contact) -> set[str]: ...
    def claim_item(self, key: str, contact_id: str) -> dict[str, Any]: ...
    def bulk_items(self, contact: Contact) -> list[dict[str, Any]]: ...
