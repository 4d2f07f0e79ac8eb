"""campaigns' HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.models import MessagePage
from shared.auth import STAFF
from shared.errors import BadRequest
from shared.http import Ctx, Router
from shared.pagination import parse_limit

router = Router()


@router.route("/messages", roles=STAFF)
def list_messages(ctx: Ctx) -> MessagePage:
    from campaigns.usecases import list_messages as page

    contact_id = _contact_id(ctx)  # before the limit: a missing contact is the first thing to say
    limit, cursor = parse_limit(ctx.query.get("limit")), ctx.query.get("cursor")
    return page(contact_id, bootstrap.message_repository(), limit, cursor)


def _contact_id(ctx: Ctx) -> str:
    contact_id = (ctx.query.get("contact_id") or "").strip()
    if not contact_id:
        # Messages are kept per contact: listing them all would be a scan.
        raise BadRequest(
            "contact_id is required", errors=[{"field": "contact_id", "message": "required query parameter"}]
        )
    return contact_id
