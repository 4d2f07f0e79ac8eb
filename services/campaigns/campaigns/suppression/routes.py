"""The suppression list's routes: admins and marketers look an address up; admins change it."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.suppression.models import Suppression, SuppressionIn
from shared.auth import Role
from shared.http import Ctx, Reply, Router

router = Router()

ADMINS = frozenset({Role.ADMIN})
READERS = frozenset({Role.ADMIN, Role.MARKETER})


@router.route("/suppressions/{address}", roles=READERS, response=Suppression)
def get_suppression(ctx: Ctx, address: str) -> Suppression:
    """Whether an address is suppressed, why and since when (404: it is not)"""
    from campaigns.suppression.usecases import get_suppression as get

    return get(address, bootstrap.suppressions())


@router.route(
    "/suppressions", methods=["POST"], roles=ADMINS, body=SuppressionIn, status=201, response=Suppression, also=(200,)
)
def add_suppression(ctx: Ctx) -> Reply:
    """Suppress an address (201; 200 when it was already, with its first reason)"""
    from campaigns.suppression.usecases import suppress

    suppression, created = suppress(ctx.body, bootstrap.suppressions())
    return Reply(suppression, 201 if created else 200)


@router.route("/suppressions/{address}", methods=["DELETE"], roles=ADMINS, status=204)
def remove_suppression(ctx: Ctx, address: str) -> Reply:
    """Lift an address's suppression (404: it was not suppressed)"""
    from campaigns.suppression.usecases import lift

    lift(address, bootstrap.suppressions())
    return Reply(None, 204)
