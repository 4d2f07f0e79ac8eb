"""The tracking links' routes: public (shared.auth.PUBLIC_ROUTES), answering only tokens
the service signed; anything else is the same 404 as a path nobody serves."""

from __future__ import annotations

import base64

from campaigns import bootstrap
from campaigns.tracking.tokens import TOKEN_PATTERN
from shared.errors import NotFound
from shared.http import Ctx, Reply, Router

router = Router()
SIGNED = {"token": TOKEN_PATTERN}

# The smallest transparent GIF (43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
# Never cached: each fetch is a visit (a proxy's cache would hide every later one).
NO_STORE = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache"}
# What the edge answers a path no route serves (infra/local/gateway.py, the API's gateway responses).
UNKNOWN = "no resource is served at this path"


@router.route("/t/o/{token}", roles=(), public=True, media_type="image/gif", path_patterns=SIGNED)
def open_pixel(ctx: Ctx, token: str) -> Reply:
    """The open pixel of an email

    A 1x1 GIF; the open is recorded once per source and contact (machine opens apart).
    """
    from campaigns.tracking.usecases import record_open

    if not record_open(token, ctx.header("user-agent"), bootstrap.tracking()):
        raise NotFound(UNKNOWN)
    return Reply(PIXEL, 200, NO_STORE, media_type="image/gif")


@router.route("/t/c/{token}", roles=(), public=True, status=302, path_patterns=SIGNED)
def follow_link(ctx: Ctx, token: str) -> Reply:
    """The click redirect of an email's link

    302 to the URL the token signed (only the email's own links); the click is recorded.
    """
    from campaigns.tracking.usecases import record_click

    url = record_click(token, bootstrap.tracking())
    if url is None:
        raise NotFound(UNKNOWN)
    return Reply("", 302, {"Location": url, **NO_STORE}, media_type="text/plain")
