"""campaigns' HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.messages.models import MessagePage, MessageQuery
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.reach import guard

router = Router()


@router.route("/messages", roles=STAFF, query=MessageQuery)
def list_messages(ctx: Ctx) -> MessagePage:
    from campaigns.messages.usecases import list_messages as page

    params: MessageQuery = ctx.params
    guard(ctx.principal, params.contact_id, bootstrap.contact_owners)
    return page(params.contact_id, bootstrap.message_repository(), params.limit, params.cursor)
