"""The audience's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.audience.models import Recipient
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.reach import guard, not_found

router = Router()


# Staff who may read the contact (every staff role, within their reach, as in contacts) may
# read what campaigns holds about them: the same PII, no more widely.
@router.route("/audience/recipients/{contact_id}", roles=STAFF, response=Recipient)
def get_recipient(ctx: Ctx, contact_id: str) -> Recipient:
    missing = not_found("recipient", contact_id)
    guard(ctx.principal, contact_id, bootstrap.contact_owners, missing)
    recipient = bootstrap.audience().recipient(contact_id)
    if recipient is None:
        raise missing
    return recipient
