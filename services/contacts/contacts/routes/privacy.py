"""GDPR: export all data held about a contact; erase it."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from contacts.http import ADMINS, api
from shared.auth import Role
from shared.http import Ctx, Reply

if TYPE_CHECKING:
    from contacts.privacy_repository import PrivacyRepository

EXPORTERS = frozenset({Role.ADMIN, Role.MANAGER})


@cache
def privacy_store() -> PrivacyRepository:
    from contacts.privacy_repository import PrivacyRepository

    return PrivacyRepository()


@api.route("/{contact_id}/export", roles=EXPORTERS)
def export_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.privacy import export_contact as export

    return Reply(export(contact_id, privacy_store()))


@api.route("/{contact_id}/erase", methods=["POST"], roles=ADMINS)
def erase_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.privacy import erase_contact as erase

    return Reply(erase(contact_id, privacy_store(), correlation_id=ctx.header("x-correlation-id")))
