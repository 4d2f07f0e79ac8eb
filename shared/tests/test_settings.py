"""shared.settings: resource names come from the function's environment (its template)."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from shared.settings import (
    DEV_SIGNING_KEY,
    ConfigurationError,
    MissingResource,
    Settings,
    function_environment,
    get_settings,
)

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/crm-dev-contacts-imports"


def test_resources_are_read_from_their_variables() -> None:
    # Given the environment a template's Globals give a function
    env = {
        "CRM_STAGE": "dev",
        "CRM_TABLE": "crm-dev-contacts",
        "CRM_IMPORTS_BUCKET": "crm-dev-contacts-imports",
        "CRM_IMPORTS_QUEUE_URL": QUEUE,
        "CRM_IMPORTS_MAX_RECEIVES": "3",
    }
    # When the settings are read
    settings = Settings.from_environment(env)
    # Then each resource is there, typed, under its lower-case name
    assert settings.table_name("contacts") == "crm-dev-contacts"
    assert settings.bucket("imports") == "crm-dev-contacts-imports"
    assert settings.queue_url("imports") == QUEUE
    assert settings.max_receive_count("imports") == 3


def test_a_missing_resource_is_an_error_naming_its_variable() -> None:
    settings = Settings.from_environment({})
    with pytest.raises(MissingResource, match="CRM_EXPORTS_QUEUE_URL"):
        settings.queue_url("exports")
    with pytest.raises(MissingResource, match="CRM_EXPORTS_MAX_RECEIVES"):
        settings.max_receive_count("exports")


def test_without_crm_table_the_naming_convention_is_the_fallback() -> None:
    assert Settings.from_environment({"CRM_STAGE": "prod"}).table_name("service_desk") == "crm-prod-service-desk"


@pytest.mark.parametrize(
    "env",
    [
        {"CRM_IMPORTS_MAX_RECEIVES": "three"},
        {"CRM_IMPORTS_MAX_RECEIVES": "0"},
        {"CRM_IMPORTS_QUEUE_URL": "crm-dev-contacts-imports"},  # a name, not a URL
        {"CRM_IMPORTS_BUCKET": "Not A Bucket"},
    ],
)
def test_bad_values_fail_at_cold_start(env: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings.from_environment(env)


def test_a_function_environment_applies_to_its_invocation_only() -> None:
    # Given the process settings, and a function's environment laid over them
    before = get_settings()
    seen: list[str | None] = []
    with function_environment({"CRM_TABLE": "crm-dev-pipeline"}) as settings:
        assert settings.table == "crm-dev-pipeline"
        assert get_settings().table == "crm-dev-pipeline"
        # When another thread reads the settings meanwhile (another function's invocation)
        thread = threading.Thread(target=lambda: seen.append(get_settings().table))
        thread.start()
        thread.join()
    # Then it sees the process's, and so does this thread afterwards
    assert seen == [before.table]
    assert get_settings() is before


DEPLOYED = {
    "CRM_STAGE": "prod",
    "CRM_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1/.well-known/jwks.json",
    "CRM_JWT_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1",
    "CRM_JWT_AUDIENCE": "example-app-client",
    "CRM_CURSOR_SECRET": "a-stage-secret-of-at-least-32-characters",
}


def test_a_deployed_function_without_token_verification_refuses_to_start() -> None:
    # Given what `make package STAGE=prod` once gave a function: its stage, nothing more
    settings = Settings.from_environment({"CRM_STAGE": "prod"})
    # Then it holds no key, and asking it to authenticate names every missing variable
    assert settings.signing_key is None
    with pytest.raises(ConfigurationError, match="CRM_JWKS_URL, CRM_JWT_ISSUER, CRM_JWT_AUDIENCE"):
        settings.require_authentication()


@pytest.mark.parametrize("missing", ["CRM_JWKS_URL", "CRM_JWT_ISSUER", "CRM_JWT_AUDIENCE"])
def test_each_verification_variable_is_required(missing: str) -> None:
    env = {k: v for k, v in DEPLOYED.items() if k != missing}
    with pytest.raises(ConfigurationError, match=f"{missing} not set"):
        Settings.from_environment(env).require_authentication()
    # also beside the local flag: a JWKS half configured is not a local stack
    if missing != "CRM_JWKS_URL":
        with pytest.raises(ConfigurationError, match=missing):
            Settings.from_environment({**env, "CRM_DEV_AUTH": "1"}).require_authentication()


def test_a_deployed_function_with_the_pool_starts_and_holds_no_dev_key() -> None:
    settings = Settings.from_environment(DEPLOYED)
    settings.require_authentication()
    assert settings.signing_key is None
    assert Settings.from_environment({**DEPLOYED, "CRM_DEV_AUTH": "1"}).signing_key is None  # the JWKS wins


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_only_the_local_flag_gives_the_dev_key(stage: str) -> None:
    assert Settings.from_environment({"CRM_STAGE": stage}).signing_key is None
    local = Settings.from_environment({"CRM_STAGE": stage, "CRM_DEV_AUTH": "1"})
    local.require_authentication()
    assert local.signing_key == DEV_SIGNING_KEY
    assert Settings.from_environment({"CRM_DEV_AUTH": "1", "CRM_JWT_SECRET": "s" * 32}).signing_key == "s" * 32


def test_cursors_are_signed_with_the_stage_secret_and_a_dev_key_only_under_the_local_flag() -> None:
    assert Settings.from_environment(DEPLOYED).cursor_key == b"a-stage-secret-of-at-least-32-characters"
    without = {k: v for k, v in DEPLOYED.items() if k != "CRM_CURSOR_SECRET"}
    with pytest.raises(ConfigurationError, match="CRM_CURSOR_SECRET"):
        Settings.from_environment(without).require_authentication()
    with pytest.raises(ConfigurationError, match="CRM_CURSOR_SECRET"):
        _ = Settings.from_environment(without).cursor_key
    assert Settings.from_environment({"CRM_STAGE": "dev", "CRM_DEV_AUTH": "1"}).cursor_key


def test_the_local_flag_in_lambda_refuses_to_start() -> None:
    settings = Settings.from_environment({"CRM_DEV_AUTH": "1", "AWS_LAMBDA_FUNCTION_NAME": "crm-prod-loyalty"})
    assert settings.signing_key is None
    with pytest.raises(ConfigurationError, match="CRM_DEV_AUTH is set in Lambda function crm-prod-loyalty"):
        settings.require_authentication()


def test_the_maximum_token_lifetime_is_a_setting() -> None:
    assert Settings.from_environment({}).jwt_max_lifetime == 12 * 3600
    assert Settings.from_environment({"CRM_JWT_MAX_LIFETIME": "3600"}).jwt_max_lifetime == 3600
    with pytest.raises(ValidationError):
        Settings.from_environment({"CRM_JWT_MAX_LIFETIME": "0"})


def test_a_channels_send_rate_is_read_from_its_variable() -> None:
    settings = Settings.from_environment({"CRM_EMAIL_SEND_RATE": "14", "CRM_SMS_SEND_RATE": "2.5"})
    assert (settings.send_rate("email"), settings.send_rate("sms")) == (14.0, 2.5)
    with pytest.raises(MissingResource, match="CRM_PUSH_SEND_RATE"):
        settings.send_rate("push")
    with pytest.raises(ValueError):
        Settings.from_environment({"CRM_EMAIL_SEND_RATE": "0"})
