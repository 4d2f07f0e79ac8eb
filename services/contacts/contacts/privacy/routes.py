"""Privacy: consent per channel and purpose (record a grant or withdrawal; read state +
history), and GDPR (export all data held about a contact; erase it). Every route applies
the caller's reach (contacts.reach.guard); export and erasure admit only full-reach roles
today, and the guard still runs so that widening the roles cannot skip it."""

from __future__ import annotations

from contacts.bootstrap import consent_repository, contact_repository, privacy_repository
from contacts.privacy.models import ConsentEntry, ConsentIn, ConsentView, Erasure, Export
from contacts.reach import guard
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery

EXPORTERS = frozenset({Role.ADMIN, Role.MANAGER})
ADMINS = frozenset({Role.ADMIN})

router = Router()


# Any staff member may record what a customer said (an agent on the phone, a rep at a fair).
@router.route(
    "/{contact_id}/consents", methods=["POST"], roles=STAFF, body=ConsentIn, status=201, response=ConsentEntry
)
def record_consent(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.privacy.usecases import record_consent as record

    guard(ctx.principal, contact_id, contact_repository)
    entry = record(contact_id, ctx.body, consent_repository(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(entry, 201)


@router.route("/{contact_id}/consents", roles=STAFF, query=PageQuery, response=ConsentView)
def read_consents(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.privacy.usecases import consents

    guard(ctx.principal, contact_id, contact_repository)
    params: PageQuery = ctx.params
    view = consents(contact_id, consent_repository(), params.limit, params.cursor)
    return Reply(view)


@router.route("/{contact_id}/export", roles=EXPORTERS, response=Export)
def export_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.privacy.usecases import export_contact as export

    guard(ctx.principal, contact_id, contact_repository)
    return Reply(export(contact_id, privacy_repository()))


@router.route("/{contact_id}/erase", methods=["POST"], roles=ADMINS, response=Erasure)
def erase_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.bootstrap import export_repository
    from contacts.exports.usecases import withdraw_exports
    from contacts.privacy.usecases import erase_contact as erase
    from shared.observability import logger

    guard(ctx.principal, contact_id, contact_repository)
    erasure = erase(contact_id, privacy_repository(), correlation_id=ctx.header("x-correlation-id"))
    # After the purge: an export reading the contacts from now on no longer finds them. The
    # answer stays the same for a retried erasure; the count goes to the log (no PII).
    withdrawn = withdraw_exports(export_repository())
    logger.info("exports withdrawn after an erasure", extra={"contact_id": contact_id, "exports": withdrawn})
    return Reply(erasure)
