"""Reach in contacts: the kernel's rule (shared.reach) over the contact record itself, which
keeps its owner (``owner_id``, from LeadAssigned) and its creator (``created_by``): a contact
with no owner yet is within its creator's reach, so a rep who enters a lead gets it back
from the POST and can correct it until pipeline assigns it; from then on the owner alone
decides. Lists are confined to the owner's index partition (``owner_scope``): a lead a rep
created joins their list when it is assigned to them.

A contact outside the caller's reach answers 404, exactly like a missing one, and a
duplicate email or phone held by one is refused without naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from shared.auth import Principal, Role

# guard: for routes on a contact's sub-resources (timeline, consents, ...), given
# contact_repository, whose owner_of is the profile itself.
from shared.reach import FULL_REACH, guard, owner_scope, within_reach

if TYPE_CHECKING:
    from contacts.records.models import Contact

__all__ = ["FULL_REACH", "WRITERS", "guard", "owner_scope", "visible_to", "within_reach"]

# Who may change customer records; every staff role may read them (shared.auth.STAFF).
WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETER})

Visible = Callable[["Contact"], bool]


def visible_to(principal: Principal) -> Visible:
    """The rule as a predicate, for use-cases that read the contact themselves (they check
    it on the very version they change, so a reassignment in between cannot slip through)."""
    return partial(within_reach, principal)
