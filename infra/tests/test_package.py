"""Packaging: what `make package` produces deploys (lints clean) and wires what it must.

One service (contacts) is packaged for real, wheels included (~15 s cold, ~4 s when
build/test/contacts/.chalice/deployments still holds the zip). Every other service runs
the same `chalice package` without dependencies: the template is identical, only the zip
lacks the wheels, and that takes ~4 s instead of a pip download.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import pytest

from infra import apigateway
from infra import package as packaging
from infra.permissions import missing as missing_permissions
from infra.services import ROOT, existing_services, service_dir
from infra.templates import blocking, lint, load_template
from shared.auth import PUBLIC_ROUTES

# Kept between runs so chalice can reuse the zip (its cache is keyed on the code + pins);
# one per xdist worker, as each worker that runs a test here builds the fixture itself.
TEST_BUILD = ROOT / "build" / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="module")
def contacts() -> packaging.Packaged:
    return packaging.package("contacts", "prod", TEST_BUILD)


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    policies = template["Resources"]["DefaultRole"]["Properties"]["Policies"]
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def test_contacts_template_lints_clean(contacts):
    assert blocking(lint(contacts.template)) == []
    assert contacts.findings == []  # not even informational notes


def test_contacts_template_has_the_table_and_the_relay_with_partial_batch_failures(contacts):
    template = load_template(contacts.template)
    resources = template["Resources"]
    assert template["Parameters"]["Stage"]["Default"] == "prod"  # deploys without overrides
    assert resources["Table"]["Type"] == "AWS::DynamoDB::Table"
    assert resources["Table"]["DeletionPolicy"] == "Retain"
    relay = resources["OutboxRelay"]
    assert relay["Type"] == "AWS::Serverless::Function"
    assert relay["Properties"]["Environment"]["Variables"]["CRM_STAGE"] == "prod"
    source = relay["Properties"]["Events"]["Outbox"]
    assert source["Type"] == "DynamoDB"
    assert source["Properties"]["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert resources["APIHandler"]["Type"] == "AWS::Serverless::Function"


def test_contacts_role_is_least_privilege(contacts):
    statements = _statements(load_template(contacts.template))
    actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not any(a == "*" or a.endswith(":*") for a in actions)
    publish = next(s for s in statements if s["Action"] == "events:PutEvents")
    assert publish["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/crm-${Stage}"
    }
    table = next(s for s in statements if "dynamodb:PutItem" in s["Action"])
    assert {"Fn::GetAtt": ["Table", "Arn"]} in table["Resource"]
    assert not [s for s in statements if s["Resource"] == "*"]


def test_contacts_zip_holds_the_app_the_kernel_and_the_wheels_but_no_tests(contacts):
    with zipfile.ZipFile(contacts.deployment) as archive:
        names = archive.namelist()
    assert {"app.py", "shared/outbox.py", "contacts/api.py", "contacts/events.py"} <= set(names)
    assert any(n.startswith("pydantic_core/") for n in names)  # Lambda-platform wheels, not ours
    assert any(n.startswith("aws_lambda_powertools/") for n in names)
    assert not [n for n in names if "/tests/" in n or n.startswith("tests/") or "__pycache__" in n]


def test_contacts_openapi_lists_its_routes(contacts):
    document = json.loads(contacts.openapi.read_text())
    assert document["openapi"] == "3.1.0"
    assert document == json.loads((service_dir("contacts") / "openapi.json").read_text())
    assert {"/", "/{contact_id}"} <= set(document["paths"])
    assert "requestBody" in document["paths"]["/"]["post"]
    swagger = json.loads(contacts.swagger.read_text())
    assert swagger["swagger"] == "2.0"
    assert {"/", "/{contact_id}"} <= set(swagger["paths"])


COGNITO = ("CognitoUserPoolArn", "JwtIssuer", "JwtAudience", "JwksUrl")


def _api_body(template: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    return body


def _methods(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in body["paths"].items() for method, op in ops.items()]


def test_contacts_template_takes_the_cognito_pool_and_gives_it_to_every_function(contacts):
    template = load_template(contacts.template)
    parameters = template["Parameters"]
    # The pool has no default: a stack cannot be deployed without one
    assert all(name in parameters and "Default" not in parameters[name] for name in COGNITO)
    assert parameters["JwtMaxLifetime"]["Default"] == 3600
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CRM_JWKS_URL"] == {"Ref": "JwksUrl"}
    assert variables["CRM_JWT_ISSUER"] == {"Ref": "JwtIssuer"}
    assert variables["CRM_JWT_AUDIENCE"] == {"Ref": "JwtAudience"}
    assert variables["CRM_JWT_MAX_LIFETIME"] == {"Ref": "JwtMaxLifetime"}
    functions = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert "APIHandler" in functions
    for name, function in functions.items():
        own = function["Properties"].get("Environment", {}).get("Variables", {})
        assert not set(own) & set(apigateway.ENVIRONMENT), f"{name} overrides the pool's variables"
    # and nothing that deploys sets the local flag
    assert apigateway.dev_auth_set(template) == []
    assert "CRM_DEV_AUTH" not in contacts.template.read_text()


def test_contacts_api_has_the_cognito_authorizer_on_every_method(contacts):
    body = _api_body(load_template(contacts.template))
    authorizer = body["securityDefinitions"]["CognitoUserPool"]
    assert authorizer["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [{"Ref": "CognitoUserPoolArn"}],
    }
    methods = _methods(body)
    assert len(methods) > 10
    unguarded = [f"{m} {p}" for p, m, op in methods if op.get("security") != [{"CognitoUserPool": []}]]
    assert unguarded == []


def test_contacts_api_gateway_answers_problem_json_and_unknown_routes_404(contacts):
    responses = _api_body(load_template(contacts.template))["x-amazon-apigateway-gateway-responses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "UNAUTHORIZED", "ACCESS_DENIED", "UNSUPPORTED_MEDIA_TYPE"} <= set(responses)
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "INTEGRATION_TIMEOUT"} <= set(responses)
    # An unknown route (API Gateway's "missing authentication token") is a 404, not a 403
    unknown = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["statusCode"] == "404"
    assert json.loads(unknown["responseTemplates"]["application/json"]) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no route matches this method and path",
    }
    for kind, response in responses.items():
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'", kind
        # Static values only: no request header (the bearer token...) is mapped back
        assert all(v.startswith("'") and v.endswith("'") for v in headers.values()), kind
        (template,) = response["responseTemplates"].values()
        assert "$" not in template, f"{kind} echoes something of the request"  # no $context/$input variable
        problem = json.loads(template)
        assert problem["title"] and problem["detail"], kind
        if "statusCode" in response:
            assert problem["status"] == int(response["statusCode"]), kind
    assert responses["UNAUTHORIZED"]["responseParameters"]["gatewayresponse.header.WWW-Authenticate"] == (
        "'Bearer realm=\"crm\"'"
    )


def test_a_template_that_gives_a_function_the_local_flag_is_refused():
    template = {
        "Globals": {"Function": {"Environment": {"Variables": {"CRM_TABLE": "t"}}}},
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "OnEvent": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Environment": {"Variables": {"CRM_DEV_AUTH": "1"}}},
            },
        },
    }
    assert apigateway.dev_auth_set(template) == ["OnEvent"]
    template["Globals"]["Function"]["Environment"]["Variables"]["CRM_DEV_AUTH"] = "1"
    assert apigateway.dev_auth_set(template) == ["Globals", "OnEvent"]


PACKAGEABLE = [s for s in existing_services() if (service_dir(s) / "app.py").is_file()]


@pytest.mark.parametrize("service", [s for s in PACKAGEABLE if s != "contacts"] or ["contacts"])
def test_every_service_template_lints_clean_when_merged(service, tmp_path):
    # `chalice package` without wheels: the same merged template, in seconds.
    result = packaging.package(service, "dev", tmp_path, dependencies=False)
    assert blocking(result.findings) == []
    template = load_template(result.template)
    assert missing_permissions(template) == []
    resources = template["Resources"]
    assert all("Type" in r for r in resources.values()), "an overlay names no Chalice function"
    # Every service: the pool's parameters in every function's environment, the authorizer
    # on every method, problem+json from the gateway itself
    assert set(COGNITO) <= set(template["Parameters"])
    assert set(apigateway.ENVIRONMENT) <= set(template["Globals"]["Function"]["Environment"]["Variables"])
    body = _api_body(template)
    public = {(m.lower(), p) for s, m, p in PUBLIC_ROUTES if s == service}
    secured = [m for m in _methods(body) if (m[1], m[0]) not in public]
    assert [m for m in secured if m[2].get("security") != [{"CognitoUserPool": []}]] == []
    assert all("security" not in op for p, m, op in _methods(body) if (m, p) in public)
    assert body["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"


def test_every_service_has_a_resources_template():
    missing = [s for s in PACKAGEABLE if not (service_dir(s) / "resources.yaml").is_file()]
    assert missing == []


def test_the_bus_template_lints_clean_and_keeps_an_archive():
    bus = ROOT / "infra" / "bus.yaml"
    assert lint(bus, informational=True) == []
    resources = load_template(bus)["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert types <= {
        "AWS::Events::EventBus",
        "AWS::Events::Archive",
        "AWS::SQS::Queue",
        "AWS::SQS::QueuePolicy",
        "AWS::IAM::ManagedPolicy",
    }
    partner = resources["PartnerPublishPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert partner == [
        {
            "Sid": "PartnerEventsOnly",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Fn::GetAtt": ["Bus", "Arn"]},
            "Condition": {"StringLike": {"events:source": "partner.*"}},
        }
    ]
    assert resources["Bus"]["Properties"]["Name"] == {"Fn::Sub": "crm-${Stage}"}
    assert resources["Archive"]["Properties"]["RetentionDays"] == 30


def test_a_role_without_the_wiring_permissions_is_reported(contacts):
    # Given chalice's own DefaultRole (logs only) under a consumer and the outbox relay
    template = load_template(contacts.template)
    template["Resources"]["DefaultRole"]["Properties"]["Policies"] = [
        {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["logs:*"], "Resource": "arn:*:logs:*:*:*"}]}}
    ]
    template["Resources"]["OnEvent"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]},
            "Events": {"Queue": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["EventsQueue", "Arn"]}}}},
        },
    }
    gaps = missing_permissions(template)
    assert "OnEvent: sqs:ReceiveMessage on {'Fn::GetAtt': ['EventsQueue', 'Arn']}" in gaps
    assert any(g.startswith("OutboxRelay: events:PutEvents") for g in gaps)
    assert any(g.startswith("OutboxRelay: dynamodb:GetRecords") for g in gaps)
    assert not [g for g in gaps if "logs:" in g]


def test_lint_is_not_a_no_op():
    # A rule targeting nothing must fail: proves the checks above can fail at all.
    template = {
        "Resources": {"Rule": {"Type": "AWS::Events::Rule", "Properties": {"Targets": [{"Id": "x"}]}}},
    }
    assert [f.rule for f in blocking(lint(template))]


def test_an_unknown_service_is_refused(capsys):
    with pytest.raises(SystemExit):
        packaging.main(["nonexistent"])
