"""shared.settings: resource names come from the function's environment (its template)."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from shared.settings import MissingResource, Settings, function_environment, get_settings

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
