"""GDPR: export all data held about a contact; erase it. Only full-reach roles are admitted
today; the reach guard still runs so that widening the roles cannot skip it."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from contacts.http import ADMINS, api
from contacts.reach import guard
from contacts.routes.records import repo
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

    guard(ctx.principal, contact_id, repo)
    return Reply(export(contact_id, privacy_store()))


@api.route("/{contact_id}/erase", methods=["POST"], roles=ADMINS)
def erase_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.exports_jobs import withdraw_exports
    from contacts.privacy import erase_contact as erase
    from contacts.routes.exports import exports_repo
    from shared.observability import logger

    guard(ctx.principal, contact_id, repo)
    erasure = erase(contact_id, privacy_store(), correlation_id=ctx.header("x-correlation-id"))
    # After the purge: an export reading the contacts from now on no longer finds them. The
    # answer stays the same for a retried erasure; the count goes to the log (no PII).
    withdrawn = withdraw_exports(exports_repo())
    logger.info("exports withdrawn after an erasure", extra={"contact_id": contact_id, "exports": withdrawn})
    return Reply(erasure)
