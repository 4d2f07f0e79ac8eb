"""What every packaged service's API gets, defined once for the five (infra/package.py):

- the Cognito user pool as template parameters (``CognitoUserPoolArn``, ``JwtIssuer``,
  ``JwtAudience``, ``JwksUrl``, ``JwtMaxLifetime``) and the cursor signing key
  (``CursorSecret``), passed to every function's environment
  (``Globals``): without them an API function refuses to start (shared/settings.py);
- a Cognito user pools authorizer on every method of the REST API, a second lock in front
  of the functions' own verification (it checks ID tokens of that pool: signature, expiry,
  the app client as audience);
- API Gateway's own answers (its "gateway responses") as RFC 9457 problem details with a
  fixed body: an unknown route is a 404 (not the default 403 whose message quotes the
  Authorization header back), and no response echoes a header or the request.

The local stack never sees any of this (it provisions resources.yaml as written, and its
functions run with the local flag); the local gateway answers unknown routes itself.
"""

from __future__ import annotations

import json
from typing import Any

from shared.errors import PROBLEM_CONTENT_TYPE
from shared.settings import DEV_AUTH_ENVIRONMENT

AUTHORIZER = "CognitoUserPool"
# Methods a browser's CORS preflight reaches without credentials: never behind the authorizer.
UNAUTHENTICATED_METHODS = frozenset({"options"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})

PARAMETERS: dict[str, dict[str, Any]] = {
    "CognitoUserPoolArn": {
        "Type": "String",
        "Description": "The Cognito user pool whose ID tokens the API accepts (its authorizer).",
        "AllowedPattern": r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+$",
    },
    "JwtIssuer": {
        "Type": "String",
        "Description": "The pool's issuer: https://cognito-idp.<region>.amazonaws.com/<user pool id>",
        "AllowedPattern": r"^https://\S+$",
    },
    "JwtAudience": {
        "Type": "String",
        "Description": "The app client id: the aud of the pool's ID tokens.",
        "AllowedPattern": r"^\S+$",
    },
    "JwksUrl": {
        "Type": "String",
        "Description": "The pool's signing keys: <issuer>/.well-known/jwks.json",
        "AllowedPattern": r"^https://\S+$",
    },
    "CursorSecret": {
        "Type": "String",
        "NoEcho": True,
        "Description": "The HMAC key that signs pagination cursors (32+ characters, one per stage).",
        "MinLength": 32,
    },
    "JwtMaxLifetime": {
        "Type": "Number",
        "Description": "Seconds a token may live (exp - iat); Cognito's ID tokens live 3600 by default.",
        "Default": 3600,
        "MinValue": 300,
        "MaxValue": 86400,
    },
}
# Variable (shared/settings.py ENVIRONMENT) -> the parameter every function gets it from.
ENVIRONMENT = {
    "CRM_JWKS_URL": "JwksUrl",
    "CRM_JWT_ISSUER": "JwtIssuer",
    "CRM_JWT_AUDIENCE": "JwtAudience",
    "CRM_JWT_MAX_LIFETIME": "JwtMaxLifetime",
    "CRM_CURSOR_SECRET": "CursorSecret",
}

# Response type -> (status, title, detail). Every type API Gateway has a default status for;
# DEFAULT_4XX/DEFAULT_5XX catch any other (their status is kept, hence none in the body).
RESPONSES: dict[str, tuple[int | None, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "Not Found", "no route matches this method and path"),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "no route matches this method and path"),
    "UNAUTHORIZED": (401, "Unauthorized", "a valid bearer token is required"),
    "ACCESS_DENIED": (403, "Forbidden", "the token does not allow this"),
    "EXPIRED_TOKEN": (403, "Forbidden", "the request's credentials have expired"),
    "INVALID_SIGNATURE": (403, "Forbidden", "the request's signature is not valid"),
    "INVALID_API_KEY": (403, "Forbidden", "the API key is not valid"),
    "WAF_FILTERED": (403, "Forbidden", "the request was refused"),
    "BAD_REQUEST_BODY": (400, "Bad Request", "the body is not valid"),
    "BAD_REQUEST_PARAMETERS": (400, "Bad Request", "the request's parameters are not valid"),
    "REQUEST_TOO_LARGE": (413, "Content Too Large", "the request is too large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type", "send application/json"),
    "THROTTLED": (429, "Too Many Requests", "too many requests: retry later"),
    "QUOTA_EXCEEDED": (429, "Too Many Requests", "the request quota is used up: retry later"),
    "API_CONFIGURATION_ERROR": (500, "Internal Server Error", "the API is misconfigured"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal Server Error", "the authorizer is misconfigured"),
    "AUTHORIZER_FAILURE": (500, "Internal Server Error", "the authorizer failed"),
    "INTEGRATION_FAILURE": (504, "Gateway Timeout", "the service did not answer"),
    "INTEGRATION_TIMEOUT": (504, "Gateway Timeout", "the service did not answer in time"),
    "DEFAULT_4XX": (None, "Request refused", "the API gateway refused the request"),
    "DEFAULT_5XX": (None, "Gateway error", "the API gateway could not serve the request"),
}
DEFAULT_TYPES = {
    "DEFAULT_4XX": "https://crm.example.com/problems/gateway-refused",
    "DEFAULT_5XX": "https://crm.example.com/problems/gateway-error",
}


def add_parameters(template: dict[str, Any]) -> None:
    """The Cognito parameters, and every function's variables from them (resources.yaml
    overlay, before ``chalice package`` merges it)."""
    template.setdefault("Parameters", {}).update(PARAMETERS)
    variables = (
        template.setdefault("Globals", {})
        .setdefault("Function", {})
        .setdefault("Environment", {})
        .setdefault("Variables", {})
    )
    variables.update({name: {"Ref": parameter} for name, parameter in ENVIRONMENT.items()})


def problem(response_type: str) -> dict[str, Any]:
    """One gateway response: fixed problem+json (the templates use no ``$context`` or
    ``$input`` variable, so nothing of the request comes back)."""
    status, title, detail = RESPONSES[response_type]
    body: dict[str, Any] = {"type": DEFAULT_TYPES.get(response_type, "about:blank"), "title": title}
    if status is not None:
        body["status"] = status
    body["detail"] = detail
    headers = {"gatewayresponse.header.Content-Type": f"'{PROBLEM_CONTENT_TYPE}'"}
    if status == 401:
        headers["gatewayresponse.header.WWW-Authenticate"] = "'Bearer realm=\"crm\"'"
    response: dict[str, Any] = {
        "responseParameters": headers,
        "responseTemplates": {"application/json": json.dumps(body, separators=(",", ":"))},
    }
    if status is not None:
        response["statusCode"] = str(status)
    return response


def secure(template: dict[str, Any], service: str | None = None) -> None:
    """Put the authorizer on every method of each REST API ``chalice package`` generated
    (a service without routes has none), and the gateway responses on it. The service's
    public routes (shared.auth.PUBLIC_ROUTES: the links in emails) are left without it."""
    from shared.auth import PUBLIC_ROUTES

    public = {(m.lower(), p) for s, m, p in PUBLIC_ROUTES if s == service}
    for resource in (template.get("Resources") or {}).values():
        body = (resource.get("Properties") or {}).get("DefinitionBody")
        if resource.get("Type") != "AWS::Serverless::Api" or not isinstance(body, dict):
            continue
        body.setdefault("securityDefinitions", {})[AUTHORIZER] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {
                "type": "cognito_user_pools",
                "providerARNs": [{"Ref": "CognitoUserPoolArn"}],
            },
        }
        for path, operations in (body.get("paths") or {}).items():
            for method, operation in operations.items():
                if (method, path) in public:
                    operation.pop("security", None)
                elif method in HTTP_METHODS and method not in UNAUTHENTICATED_METHODS:
                    operation["security"] = [{AUTHORIZER: []}]
        body["x-amazon-apigateway-gateway-responses"] = {kind: problem(kind) for kind in RESPONSES}


def dev_auth_set(template: dict[str, Any]) -> list[str]:
    """Where a template would give a function the local flag (it must be nowhere)."""
    flag = next(iter(DEV_AUTH_ENVIRONMENT))
    places = {"Globals": (template.get("Globals") or {}).get("Function") or {}}
    places.update({k: r.get("Properties") or {} for k, r in (template.get("Resources") or {}).items()})
    return [
        name
        for name, properties in places.items()
        if flag in ((properties.get("Environment") or {}).get("Variables") or {})
    ]
