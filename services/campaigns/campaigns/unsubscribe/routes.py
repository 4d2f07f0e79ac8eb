"""The unsubscribe link's routes: public (shared.auth.PUBLIC_ROUTES), answering only tokens
the service signed. The GET shows a page and records nothing: mail scanners fetch every
link of an email, and RFC 8058 has the opt-out POSTed for exactly that reason."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.tracking.tokens import TOKEN_PATTERN
from campaigns.unsubscribe.pages import CONFIRM, DONE
from shared.errors import NotFound
from shared.http import Ctx, Reply, Router

router = Router()
SIGNED = {"token": TOKEN_PATTERN}

UNKNOWN = "no resource is served at this path"
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store"}


@router.route("/unsubscribe/{token}", roles=(), public=True, media_type="text/html", path_patterns=SIGNED)
def unsubscribe_page(ctx: Ctx, token: str) -> Reply:
    """The unsubscribe page of an email's link

    A confirmation whose button POSTs the opt-out; nothing is recorded by the GET.
    """
    from campaigns.unsubscribe.usecases import read_token

    if read_token(token) is None:
        raise NotFound(UNKNOWN)
    return Reply(CONFIRM, 200, NO_STORE, media_type=HTML)


@router.route(
    "/unsubscribe/{token}",
    methods=["POST"],
    roles=(),
    public=True,
    media_type="text/html",
    content_types=[FORM, "text/plain", "multipart/form-data"],
    path_patterns=SIGNED,
)
def unsubscribe(ctx: Ctx, token: str) -> Reply:
    """Unsubscribe (RFC 8058 one-click)

    The body is `List-Unsubscribe=One-Click` (form-encoded) or empty; the opt-out is
    recorded once and reaches contacts as consent withdrawn.
    """
    from campaigns.unsubscribe.usecases import read_token
    from campaigns.unsubscribe.usecases import unsubscribe as record

    opt_out = read_token(token)
    if opt_out is None:
        raise NotFound(UNKNOWN)
    record(opt_out, bootstrap.opt_outs())
    return Reply(DONE, 200, NO_STORE, media_type=HTML)
