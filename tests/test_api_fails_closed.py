"""A deployed API without its Cognito pool refuses to start: importing a service's entry
point (what Lambda does at cold start) in a fresh interpreter fails, naming the missing
variables, instead of falling back to the dev key that is committed in the code base."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from infra.services import ROOT, existing_services, service_dir

POOL = {
    "CRM_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1/.well-known/jwks.json",
    "CRM_JWT_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1",
    "CRM_JWT_AUDIENCE": "example-app-client",
    "CRM_CURSOR_SECRET": "a-stage-secret-of-at-least-32-characters",
}


def _cold_start(service: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``import app`` as Lambda runs it, with only ``variables`` of ours in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_") and k != "AWS_LAMBDA_FUNCTION_NAME"}
    env.update(
        variables, PYTHONPATH=os.pathsep.join([str(ROOT), str(service_dir(service))]), AWS_DEFAULT_REGION="us-east-1"
    )
    return subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=service_dir(service),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("service", existing_services())
def test_a_prod_api_without_the_pool_refuses_to_start(service: str) -> None:
    # Given what `make package STAGE=prod` once gave every function: its stage only
    started = _cold_start(service, {"CRM_STAGE": "prod", "CRM_TABLE": f"crm-prod-{service}"})
    # Then the import fails with a configuration error naming each missing variable
    assert started.returncode != 0
    assert "ConfigurationError" in started.stderr
    assert "CRM_JWKS_URL, CRM_JWT_ISSUER, CRM_JWT_AUDIENCE not set" in started.stderr


@pytest.mark.parametrize("service", existing_services())
def test_a_prod_api_with_the_pool_starts(service: str) -> None:
    started = _cold_start(service, {"CRM_STAGE": "prod", "CRM_TABLE": f"crm-prod-{service}", **POOL})
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize("service", existing_services())
def test_a_prod_api_without_a_cursor_secret_refuses_to_start(service: str) -> None:
    # A cursor key anyone can read would let anyone forge a cursor into another list
    pool = {k: v for k, v in POOL.items() if k != "CRM_CURSOR_SECRET"}
    started = _cold_start(service, {"CRM_STAGE": "prod", "CRM_TABLE": f"crm-prod-{service}", **pool})
    assert started.returncode != 0
    assert "CRM_CURSOR_SECRET is not set" in started.stderr
