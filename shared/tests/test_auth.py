from __future__ import annotations

import time

import jwt
import pytest

from shared.auth import Role, authenticate, authorize, issue_dev_token
from shared.errors import Forbidden, Unauthorized
from shared.settings import get_settings


def test_dev_token_round_trips_to_a_principal() -> None:
    principal = authenticate(f"Bearer {issue_dev_token('sales', subject='rep-1')}")
    assert principal.subject == "rep-1"
    assert principal.role is Role.SALES


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer not-a-jwt"])
def test_missing_or_malformed_token_is_401(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        authenticate(header)


def test_token_signed_with_another_key_is_401() -> None:
    forged = jwt.encode(
        {"sub": "x", "custom:role": "admin", "exp": time.time() + 60},
        "another-signing-key-of-sufficient-length-000",
        algorithm="HS256",
    )
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {forged}")


def test_expired_token_is_401() -> None:
    key = get_settings().signing_key
    expired = jwt.encode({"sub": "x", "custom:role": "admin", "exp": time.time() - 5}, key, algorithm="HS256")
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {expired}")


def test_unknown_role_is_403_and_roles_are_enforced() -> None:
    key = get_settings().signing_key
    token = jwt.encode({"sub": "x", "custom:role": "root", "exp": time.time() + 60}, key, algorithm="HS256")
    with pytest.raises(Forbidden):
        authenticate(f"Bearer {token}")
    agent = authenticate(f"Bearer {issue_dev_token('agent')}")
    with pytest.raises(Forbidden):
        authorize(agent, frozenset({Role.ADMIN}))
    authorize(agent, frozenset({Role.AGENT}))


def test_cognito_groups_claim_gives_the_role() -> None:
    key = get_settings().signing_key
    token = jwt.encode({"sub": "x", "cognito:groups": ["manager"], "exp": time.time() + 60}, key, algorithm="HS256")
    assert authenticate(f"Bearer {token}").role is Role.MANAGER
