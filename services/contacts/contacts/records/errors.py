"""Domain errors of contact records (the HTTP edge maps them by type: shared.http). A stale
version is the kernel's generic ``shared.errors.StaleVersion``."""

from __future__ import annotations

from shared.errors import Conflict


class DuplicateContact(Conflict):
    """Another live contact holds this email or phone (``existing_id`` names it, only to a
    caller who may see that contact: contacts.records.usecases)."""

    type_ = "https://crm.example.com/problems/duplicate-contact"

    @classmethod
    def held(cls, claim_key: str, holder: str) -> DuplicateContact:
        """The claim ``claim_key`` (EMAIL#... or PHONE#...) is held by the contact ``holder``."""
        what = "email" if claim_key.startswith("EMAIL#") else "phone"
        return cls(
            f"a contact with this {what} exists",
            existing_id=holder,
            errors=[{"field": what, "message": "belongs to another contact"}],
        )

    @property
    def holder(self) -> str | None:
        holder = self.extensions.get("existing_id")
        return str(holder) if holder is not None else None

    def unnamed(self) -> DuplicateContact:
        """The same refusal without the holder's id: for a caller outside the holder's reach,
        who may learn that the email or phone is taken, not by whom."""
        return DuplicateContact(self.detail, errors=self.extensions.get("errors", []))
