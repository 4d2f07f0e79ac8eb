"""Bearer-token authentication and role authorisation.

Deployed, Cognito issues the tokens (ID tokens): RS256, verified against its JWKS
(``CRM_JWKS_URL``) with its issuer and audience, and nothing else is accepted: an HS256
token, the dev key's among them, is a 401. Only where the local flag is set
(``CRM_DEV_AUTH``, shared/settings.py: the local stack and the tests) are HS256 tokens
signed with the dev key accepted instead. Either way a token must carry ``exp``, ``iat``
and a non-blank ``sub``, live no longer than ``CRM_JWT_MAX_LIFETIME`` (``exp - iat``) and
name a known role: the ``custom:role`` claim, or the first of ``cognito:groups``.
Otherwise 401; a known role the route does not admit is a 403.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.errors import Forbidden, Unauthorized
from shared.settings import get_settings

if TYPE_CHECKING:
    from jwt import PyJWKClient


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SALES = "sales"
    AGENT = "agent"
    MARKETER = "marketer"
    # Partner systems send events; a route admits them only if PARTNER_ROUTES names it.
    PARTNER = "partner"


STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.AGENT, Role.MARKETER})
# The only routes a partner's credentials reach (service, method, path): a checkout using a
# coupon. Anything else that admits the partner role is refused by the route tests.
PARTNER_ROUTES = frozenset({("loyalty", "POST", "/coupons/{code}/redeem")})
# The only routes answered without a token (service, method, path): the links an email
# carries (open pixel, click redirect, unsubscribe), each accepting nothing but a token the
# service signed (campaigns/tracking/tokens.py). shared.http refuses to register a public
# route missing here, and the route tests refuse any route outside it that skips the token.
PUBLIC_ROUTES = frozenset(
    {
        ("campaigns", "GET", "/t/o/{token}"),
        ("campaigns", "GET", "/t/c/{token}"),
        ("campaigns", "GET", "/unsubscribe/{token}"),
        ("campaigns", "POST", "/unsubscribe/{token}"),
    }
)


@dataclass(frozen=True)
class Principal:
    # The token's ``sub``. A sales user's is their pipeline rep id: the contacts they own
    # (owner_id, from LeadAssigned) are the records within their reach.
    subject: str
    # None only for ANONYMOUS, the caller of a public route: no role check admits it.
    role: Role | None
    email: str | None = None


# Who calls a public route (PUBLIC_ROUTES): nobody known.
ANONYMOUS = Principal(subject="anonymous", role=None)


@lru_cache(maxsize=1)
def _jwks_client(url: str) -> PyJWKClient:
    from jwt import PyJWKClient

    return PyJWKClient(url, cache_keys=True)


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def _claims(token: str) -> dict[str, Any]:
    import jwt

    settings = get_settings()
    options: Any = {"require": ["exp", "iat", "sub"], "verify_aud": bool(settings.jwt_audience)}
    try:
        if settings.jwks_url:
            # Checked before the JWKS is fetched: a token of another algorithm (HS256 with
            # the dev key, say) is refused without a round trip to the identity provider.
            if jwt.get_unverified_header(token).get("alg") != "RS256":
                raise Unauthorized("invalid token: only RS256 tokens of the identity provider are accepted")
            key: Any = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ["RS256"]
        elif settings.signing_key:
            key, algorithms = settings.signing_key, ["HS256"]
        else:
            # Unreachable behind shared.http.Api, which refuses to be built without either.
            raise Unauthorized("no token is accepted: token verification is not configured")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options=options,
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from None
    if float(claims["exp"]) - float(claims["iat"]) > settings.jwt_max_lifetime:
        raise Unauthorized(f"invalid token: it lives longer than {settings.jwt_max_lifetime} s")
    return claims


def authenticate(authorization: str | None) -> Principal:
    claims = _claims(_bearer(authorization))
    subject = str(claims["sub"]).strip()
    if not subject:
        raise Unauthorized("invalid token: its sub is blank")
    raw_role = claims.get("custom:role") or next(iter(claims.get("cognito:groups") or []), None)
    try:
        role = Role(str(raw_role))
    except ValueError:
        # Not who may do what (403) but who this is: a token naming no role identifies no user of ours.
        raise Unauthorized("the token carries no known role") from None
    return Principal(subject=subject, role=role, email=claims.get("email"))


def authorize(principal: Principal, allowed: frozenset[Role]) -> None:
    if principal.role not in allowed:
        raise Forbidden(f"role '{principal.role}' may not do this")


def issue_dev_token(role: Role | str, subject: str | None = None, ttl_seconds: int = 12 * 3600) -> str:
    """A token signed with the dev key (local stack and tests only: ``CRM_DEV_AUTH``)."""
    import jwt

    settings = get_settings()
    if settings.signing_key is None:
        raise RuntimeError("dev tokens exist only where CRM_DEV_AUTH=1 is set and no JWKS is configured")
    role = Role(role)
    now = int(time.time())
    claims = {
        "sub": subject or f"dev-{role.value}",
        "custom:role": role.value,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.signing_key, algorithm="HS256")
