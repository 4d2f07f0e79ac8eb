"""loyalty's composition root: the only place its repository (members and their ledgers) is built."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalty.repository import LoyaltyRepository
    from shared.owners import OwnerStore


@cache
def loyalty_repository() -> LoyaltyRepository:
    from loyalty.repository import LoyaltyRepository

    return LoyaltyRepository()


@cache
def contact_owners() -> OwnerStore:
    from loyalty.repository import contact_owners as owners

    return owners()
