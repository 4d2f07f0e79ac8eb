"""campaigns' HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.models import MessagePage
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.pagination import parse_limit
from shared.reach import guard

router = Router()


@router.route("/messages", roles=STAFF)
def list_messages(ctx: Ctx) -> MessagePage:
    from campaigns.usecases import list_messages as page

    # Messages are kept per contact: listing them all would be a scan.
    contact_id = ctx.required_query("contact_id")  # before the limit: said first
    guard(ctx.principal, contact_id, bootstrap.contact_owners)
    limit, cursor = parse_limit(ctx.query.get("limit")), ctx.query.get("cursor")
    return page(contact_id, bootstrap.message_repository(), limit, cursor)
