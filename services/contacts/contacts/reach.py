"""Record-level reach: which contacts a caller may read or change ("a user never reads or
changes a record outside their reach"). Role checks stay per route (shared.http); this is
the one rule every route on a contact applies on top of them.

- admin, manager, marketer and agent reach every contact: managers oversee the team,
  marketers build audiences over the whole base, agents answer any customer who calls.
- every other role (sales) reaches the contacts it owns: ``owner_id`` == the token's
  ``sub``, which for a sales user is their pipeline rep id (pipeline's LeadAssigned names
  the owner by rep id). A contact with no owner yet is also within its creator's reach
  (``created_by`` == ``sub``): a rep who enters a lead gets it back from the POST and can
  correct it until pipeline assigns it, from then on the owner's reach alone decides.

A contact outside the caller's reach answers 404, exactly like a missing one, so its
existence is not told. Lists are confined to the owner's index partition (``owner_scope``):
a lead a rep created joins their list when it is assigned to them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from shared.auth import Principal, Role
from shared.errors import NotFound

if TYPE_CHECKING:
    from contacts.records.models import Contact

FULL_REACH = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER, Role.AGENT})
# Who may change customer records; every staff role may read them (shared.auth.STAFF).
WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETER})

Visible = Callable[["Contact"], bool]


class Reader(Protocol):
    def get(self, contact_id: str) -> Contact | None: ...


def owner_scope(principal: Principal) -> str | None:
    """The owner id the caller's lists are confined to; None when they reach every contact.
    Roles are confined unless named in FULL_REACH: a new role starts with the least."""
    return None if principal.role in FULL_REACH else principal.subject


def within_reach(principal: Principal, contact: Contact) -> bool:
    scope = owner_scope(principal)
    if scope is None:
        return True
    if contact.owner_id is not None:
        return contact.owner_id == scope
    return contact.created_by == scope


def visible_to(principal: Principal) -> Visible:
    """The rule as a predicate, for use-cases that read the contact themselves (they check
    it on the very version they change, so a reassignment in between cannot slip through)."""
    return partial(within_reach, principal)


def not_found(contact_id: str) -> NotFound:
    # The same problem as a missing contact (contacts.records.usecases.get_contact).
    return NotFound(f"contact {contact_id} not found")


def guard(principal: Principal, contact_id: str, contacts: Callable[[], Reader]) -> None:
    """For routes on a contact's sub-resources (timeline, consents, ...): 404 unless the
    contact exists and is within reach. Full-reach callers pass without a read (those
    routes answer a missing contact themselves); others cost one profile read.
    ``contacts`` is a factory so that full-reach calls never build the repository."""
    if owner_scope(principal) is None:
        return
    contact = contacts().get(contact_id)
    if contact is None or not within_reach(principal, contact):
        raise not_found(contact_id)
