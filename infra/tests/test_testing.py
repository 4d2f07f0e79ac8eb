"""infra.testing: in-process fixtures give a service's tests what its template gives its functions."""

from __future__ import annotations

import boto3
import pytest

from infra.local.cfn import TemplateError
from infra.services import service_dir
from infra.testing import create_buckets, create_table, function_environment


def test_the_environment_names_what_the_fixtures_create(clients) -> None:
    # Given the contacts template, provisioned in-process the way the service's tests do
    contacts = service_dir("contacts")
    table = create_table(contacts)
    buckets = create_buckets(contacts)
    imports = boto3.client("sqs").create_queue(QueueName="crm-dev-contacts-imports")["QueueUrl"]
    # When the functions' environment is read from the same template
    env = function_environment(contacts)
    # Then it names that table, that bucket and that queue's URL, and the job queues' max receives
    assert env["CRM_TABLE"] == table == "crm-dev-contacts"
    assert env["CRM_IMPORTS_BUCKET"] in buckets
    assert env["CRM_IMPORTS_QUEUE_URL"] == imports
    assert env["CRM_IMPORTS_MAX_RECEIVES"] == env["CRM_EXPORTS_MAX_RECEIVES"] == "3"


def test_every_service_declares_its_table_to_its_functions() -> None:
    for service in ("contacts", "pipeline", "service_desk", "loyalty", "campaigns"):
        assert function_environment(service_dir(service), stage="qa")["CRM_TABLE"].startswith("crm-qa-")


def test_a_reference_tests_cannot_resolve_is_an_error(tmp_path) -> None:
    (tmp_path / "resources.yaml").write_text(
        "Globals:\n  Function:\n    Environment:\n      Variables:\n        X: !GetAtt Rule.Arn\n"
        "Resources:\n  Rule:\n    Type: AWS::Events::Rule\n    Properties: {}\n"
    )
    with pytest.raises(TemplateError, match=r"Rule\.Arn"):
        function_environment(tmp_path)
