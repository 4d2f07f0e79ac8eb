"""Signed tokens of the public links an email carries (open pixel, click redirect,
unsubscribe): ``<payload>.<mac>``, the payload url-safe base64 of compact JSON, the mac an
HMAC-SHA256 under the stage's key with the link's kind mixed in, so a pixel's token never
opens an unsubscribe and no token names more than it must (ids, never an address).

The key is the cursor key (``Settings.cursor_key``) under a domain separator: one secret
per stage to rotate, and rotating it retires every link as it retires every cursor.
A forged, altered or truncated token reads as None: the routes answer 404, saying nothing
of why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any, Literal

Kind = Literal["open", "click", "unsubscribe"]
# A token's shape (the routes' OpenAPI documents say it too): payload, dot, 43-character mac.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,1500}\.[A-Za-z0-9_-]{43}$"
_TOKEN = re.compile(TOKEN_PATTERN)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _mac(kind: Kind, payload: str) -> str:
    from shared.settings import get_settings

    key = hmac.new(get_settings().cursor_key, b"campaigns-link:" + kind.encode(), hashlib.sha256).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign(kind: Kind, values: dict[str, Any]) -> str:
    payload = _b64(json.dumps(values, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_mac(kind, payload)}"


def verify(kind: Kind, token: str) -> dict[str, Any] | None:
    """The values ``sign(kind, ...)`` put in ``token``; None for anything else."""
    if not _TOKEN.match(token):
        return None
    payload, _, mac = token.partition(".")
    if not hmac.compare_digest(mac, _mac(kind, payload)):
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    return values if isinstance(values, dict) else None
