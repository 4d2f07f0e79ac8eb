"""service_desk's composition root: the only place its repository is built.

Routes ask here; each factory builds once per process, on first use, with
its heavy imports inside (a cold start pays only for what it uses).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service_desk.repository import TicketRepository
    from shared.owners import OwnerStore


@cache
def ticket_repository() -> TicketRepository:
    from service_desk.repository import TicketRepository

    return TicketRepository()


@cache
def contact_owners() -> OwnerStore:
    from service_desk.repository import contact_owners as owners

    return owners()
