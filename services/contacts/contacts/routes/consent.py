"""Consent per channel and purpose: record a grant or withdrawal; read state + history
(within the caller's reach: contacts.reach.guard)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from contacts.consent import ConsentIn
from contacts.http import api
from contacts.reach import guard
from contacts.routes.records import repo
from shared.auth import STAFF
from shared.http import Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from contacts.consent_repository import ConsentRepository


@cache
def consent_store() -> ConsentRepository:
    from contacts.consent_repository import ConsentRepository

    return ConsentRepository()


# Any staff member may record what a customer said (an agent on the phone, a rep at a fair).
@api.route("/{contact_id}/consents", methods=["POST"], roles=STAFF, body=ConsentIn, status=201)
def record_consent(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.consent import record_consent as record

    guard(ctx.principal, contact_id, repo)
    entry = record(contact_id, ctx.body, consent_store(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(entry, 201)


@api.route("/{contact_id}/consents", roles=STAFF)
def read_consents(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.consent import consents

    guard(ctx.principal, contact_id, repo)
    view = consents(contact_id, consent_store(), parse_limit(ctx.query.get("limit")), ctx.query.get("cursor"))
    return Reply(view)
