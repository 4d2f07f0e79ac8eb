"""Record-level reach, the one rule every service applies on top of its routes' role checks:
a user never reads or changes a record outside their reach, and cannot tell it exists.

- admin, manager, marketer and agent reach every contact: managers oversee the team,
  marketers build audiences over the whole base, agents answer any customer who calls.
  They cost no read.
- every other role (sales) reaches the contacts it owns: the owner == the token's ``sub``,
  which for a sales user is their pipeline rep id (pipeline's LeadAssigned names the owner
  by rep id). A contact whose owner is not known yet is outside a sales user's reach,
  unless the record names them as its creator (``created_by``: only contacts keeps one, so
  a rep who enters a lead can correct it until pipeline assigns it).

Each service knows each contact's owner in its own table (``Owners.owner_of``): contacts
and pipeline on the record itself, the others in a small owner item written by their
LeadAssigned consumer (shared.owners). A route on a contact, or on a record of one, calls
``guard``; outside reach it answers the very 404 a missing record gets (``not_found``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared.auth import Principal, Role
from shared.errors import NotFound

if TYPE_CHECKING:
    from shared.events import EventMetadata

FULL_REACH = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER, Role.AGENT})


class Owned(Protocol):
    """What reach reads of a contact (a contacts Contact is one, so is ContactOwner)."""

    @property
    def owner_id(self) -> str | None: ...

    @property
    def created_by(self) -> str | None: ...


@dataclass(frozen=True)
class ContactOwner:
    """A contact's owner as a service knows it; ``assigned_at`` orders re-assignments."""

    owner_id: str | None
    assigned_at: datetime | None = None
    created_by: str | None = None


class Owners(Protocol):
    def owner_of(self, contact_id: str) -> Owned | None:
        """The contact's owner as this service knows it; None for a contact it does not know."""
        ...


class OwnerBook(Protocol):
    """Where a service keeps its copy of the owners (shared.owners.OwnerStore)."""

    def record(self, contact_id: str, owner_id: str, assigned_at: datetime) -> bool: ...
    def forget(self, contact_id: str) -> None: ...


def record_owner(contact_id: str, owner_id: str, cause: EventMetadata, owners: OwnerBook) -> bool:
    """LeadAssigned: the contact's owner for reach; the newest assignment wins."""
    return owners.record(contact_id, owner_id, cause.occurred_at)


def owner_scope(principal: Principal) -> str | None:
    """The owner id the caller is confined to; None when they reach every contact. Roles are
    confined unless named in FULL_REACH: a new role starts with the least."""
    return None if principal.role in FULL_REACH else principal.subject


def within_reach(principal: Principal, contact: Owned | None) -> bool:
    scope = owner_scope(principal)
    if scope is None:
        return True
    if contact is None:
        return False
    if contact.owner_id is not None:
        return contact.owner_id == scope
    return contact.created_by is not None and contact.created_by == scope


def not_found(what: str, record_id: str) -> NotFound:
    """The 404 of a missing record: use cases raise it, and ``guard`` raises the same."""
    return NotFound(f"{what} {record_id} not found")


def guard(principal: Principal, contact_id: str, owners: Callable[[], Owners], missing: NotFound | None = None) -> None:
    """404 (``missing``, by default the contact's own not-found) unless ``contact_id`` is within
    the caller's reach. ``owners`` is a factory: full-reach callers never build the
    repository, nor read; others cost one read by key."""
    if owner_scope(principal) is None:
        return
    if not within_reach(principal, owners().owner_of(contact_id)):
        raise missing or not_found("contact", contact_id)
