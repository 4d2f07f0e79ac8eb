"""shared.auth: who a bearer token names, verified fail-closed.

The tests run with the local flag (root conftest), as the local stack does; the deployed
cases lay a deployed function's environment over it (``function_environment``), with the
flag blanked and Cognito's JWKS served on loopback.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import Role, authenticate, authorize, issue_dev_token
from shared.errors import Forbidden, Unauthorized
from shared.settings import DEV_SIGNING_KEY, function_environment, get_settings

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1"
AUDIENCE = "example-app-client"


def _dev(claims: dict[str, Any]) -> str:
    key = get_settings().signing_key
    assert key is not None
    return f"Bearer {jwt.encode(claims, key, algorithm='HS256')}"


def _claims(lifetime: float = 60, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "u-1", "custom:role": "admin", "iat": now, "exp": now + lifetime, **extra}


def test_dev_token_round_trips_to_a_principal() -> None:
    principal = authenticate(f"Bearer {issue_dev_token('sales', subject='rep-1')}")
    assert principal.subject == "rep-1"
    assert principal.role is Role.SALES


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer not-a-jwt"])
def test_missing_or_malformed_token_is_401(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        authenticate(header)


def test_token_signed_with_another_key_is_401() -> None:
    forged = jwt.encode(_claims(), "another-signing-key-of-sufficient-length-000", algorithm="HS256")
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {forged}")


def test_expired_token_is_401() -> None:
    with pytest.raises(Unauthorized):
        authenticate(_dev(_claims(iat=int(time.time()) - 65, exp=int(time.time()) - 5)))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub"])
def test_a_token_without_exp_iat_or_sub_is_401(claim: str) -> None:
    claims = _claims()
    del claims[claim]
    with pytest.raises(Unauthorized, match=claim):
        authenticate(_dev(claims))


@pytest.mark.parametrize("subject", ["", "   "])
def test_a_blank_sub_is_401(subject: str) -> None:
    with pytest.raises(Unauthorized, match="sub"):
        authenticate(_dev(_claims(sub=subject)))


def test_a_token_living_longer_than_the_maximum_is_401() -> None:
    maximum = get_settings().jwt_max_lifetime
    # A token of exactly the maximum lifetime (make token's default) is accepted...
    assert authenticate(_dev(_claims(lifetime=maximum))).subject == "u-1"
    assert authenticate(f"Bearer {issue_dev_token('admin')}").role is Role.ADMIN
    # ... one second more is not, however valid otherwise
    with pytest.raises(Unauthorized, match="longer"):
        authenticate(_dev(_claims(lifetime=maximum + 1)))
    # and the maximum is a setting
    with function_environment({"CRM_JWT_MAX_LIFETIME": "3600"}), pytest.raises(Unauthorized, match="3600"):
        authenticate(_dev(_claims(lifetime=3601)))


@pytest.mark.parametrize("role", [{"custom:role": "root"}, {"cognito:groups": ["everyone"]}, {}])
def test_a_token_naming_no_known_role_is_401(role: dict[str, Any]) -> None:
    claims = {k: v for k, v in _claims().items() if k != "custom:role"} | role
    with pytest.raises(Unauthorized, match="role"):
        authenticate(_dev(claims))


def test_a_known_role_the_route_does_not_admit_is_403() -> None:
    agent = authenticate(f"Bearer {issue_dev_token('agent')}")
    with pytest.raises(Forbidden):
        authorize(agent, frozenset({Role.ADMIN}))
    authorize(agent, frozenset({Role.AGENT}))


def test_cognito_groups_claim_gives_the_role() -> None:
    claims = {k: v for k, v in _claims().items() if k != "custom:role"} | {"cognito:groups": ["manager"]}
    assert authenticate(_dev(claims)).role is Role.MANAGER


# --- deployed: no local flag ----------------------------------------------------------------


def test_without_the_local_flag_the_dev_key_is_no_key() -> None:
    # Given a function without the flag and without a JWKS (an API would not even start)
    with function_environment({"CRM_DEV_AUTH": "", "CRM_STAGE": "prod"}) as settings:
        assert settings.signing_key is None
        # Then a token signed with the committed dev key is refused, and none can be issued
        token = jwt.encode(_claims(), DEV_SIGNING_KEY, algorithm="HS256")
        with pytest.raises(Unauthorized):
            authenticate(f"Bearer {token}")
        with pytest.raises(RuntimeError, match="CRM_DEV_AUTH"):
            issue_dev_token("admin")


def test_the_local_flag_means_nothing_inside_lambda() -> None:
    with function_environment({"AWS_LAMBDA_FUNCTION_NAME": "crm-prod-contacts-APIHandler"}) as settings:
        assert settings.dev_auth and settings.signing_key is None


@functools.cache
def _rsa_key(name: str) -> rsa.RSAPrivateKey:
    del name  # one key per name, generated once (2048-bit generation is slow)
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def cognito() -> Iterator[rsa.RSAPrivateKey]:
    """A deployed API's environment: a Cognito-like pool whose JWKS is served on loopback."""
    key = _rsa_key("pool")
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**public, "kid": "pool-key-1", "alg": "RS256", "use": "sig"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args: Any) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    deployed = {
        "CRM_DEV_AUTH": "",
        "CRM_STAGE": "prod",
        "CRM_JWKS_URL": f"http://127.0.0.1:{server.server_port}/us-east-1_Example1/.well-known/jwks.json",
        "CRM_JWT_ISSUER": ISSUER,
        "CRM_JWT_AUDIENCE": AUDIENCE,
        "CRM_JWT_MAX_LIFETIME": "3600",
    }
    try:
        with function_environment(deployed):
            yield key
    finally:
        server.shutdown()
        server.server_close()


def _cognito_token(key: rsa.RSAPrivateKey, **extra: Any) -> str:
    claims = _claims(lifetime=3600, iss=ISSUER, aud=AUDIENCE, token_use="id") | extra
    return f"Bearer {jwt.encode(claims, key, algorithm='RS256', headers={'kid': 'pool-key-1'})}"


def test_a_deployed_api_accepts_the_pools_rs256_tokens(cognito: rsa.RSAPrivateKey) -> None:
    principal = authenticate(_cognito_token(cognito, sub="rep-9", **{"custom:role": "sales"}))
    assert principal.subject == "rep-9" and principal.role is Role.SALES


@pytest.mark.parametrize("key", [DEV_SIGNING_KEY, "crm-a-secret-someone-configured-as-CRM_JWT_SECRET"])
def test_a_deployed_api_refuses_a_token_signed_with_the_dev_key(cognito: rsa.RSAPrivateKey, key: str) -> None:
    # Given a token a dev key would sign, with the right issuer and audience even
    forged = jwt.encode(_claims(iss=ISSUER, aud=AUDIENCE), key, algorithm="HS256", headers={"kid": "pool-key-1"})
    # Then the deployed API refuses it (and never asks the JWKS about it)
    with pytest.raises(Unauthorized, match="RS256"):
        authenticate(f"Bearer {forged}")


@pytest.mark.parametrize(
    "claims",
    [{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"}, {"aud": "another-client"}],
)
def test_a_deployed_api_refuses_another_issuer_or_audience(cognito: rsa.RSAPrivateKey, claims: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        authenticate(_cognito_token(cognito, **claims))


def test_a_deployed_api_refuses_a_token_living_longer_than_its_maximum(cognito: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    with pytest.raises(Unauthorized, match="longer"):
        authenticate(_cognito_token(cognito, iat=now, exp=now + 12 * 3600))


def test_a_deployed_api_refuses_a_key_the_pool_does_not_publish(cognito: rsa.RSAPrivateKey) -> None:
    other = _rsa_key("another pool")
    with pytest.raises(Unauthorized):
        authenticate(_cognito_token(other))
