"""One HTTP gateway in front of every service's API, like API Gateway custom-domain
base-path mappings: ``/contacts/...`` goes to the contacts app with the prefix stripped,
dispatched through chalice's ``LocalGateway`` so that the app receives a real API
Gateway proxy event. Also serves the stack's own ``/_local/*`` endpoints and the API
reference page, ``/docs`` (infra.local.docs).

Local differences: requests to one service are handled one at a time (Chalice keeps
``current_request`` on the app object, so one app cannot serve two threads at once;
Lambda would run more sandboxes); the services share one process, each request seeing
the environment its API function's template declares (shared.settings.function_environment).

Routing, as API Gateway does it: the path is split into segments as sent (percent-encoded,
``raw_path``), so an encoded ``/``, ``?`` or ``#`` is a character of its segment and each
path parameter arrives decoded (``/contacts/abc%2Fmetrics`` is contact ``abc/metrics``,
never the metrics route). A path no route matches is a 404 problem (API Gateway's
"Missing Authentication Token" 403, mapped to a 404 by the API's gateway responses); a
method a matched route does not declare reaches the app, which answers a 405 problem with
``Allow`` (in AWS that request gets the same 403-become-404: the only local difference).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from infra.local import docs
from infra.local.functions import Faults, Runtime
from infra.local.log import say
from shared.http import BASE_PATHS  # first path segment -> service: one map, the API's own

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The request line logged: paths hold ids only; query values hold emails and phone numbers.
MAX_LOGGED_PATH = 300
SES_MODELS = ("Message", "RawMessage", "TemplateMessage", "BulkTemplateMessage")

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


def split_path(path: str) -> tuple[str | None, str]:
    """``/pipeline/leads/x`` -> (``pipeline``, ``/leads/x``); ``/contacts`` -> (``contacts``, ``/``).
    Given the raw (still percent-encoded) path, the rest stays encoded."""
    segment, _, rest = path.lstrip("/").partition("/")
    service = BASE_PATHS.get(segment)
    return service, "/" + rest


def raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it, percent-encoded: werkzeug's ``PATH_INFO`` is decoded,
    and a decoded ``%2F``, ``%3F`` or ``%23`` would change which route (and query) is served.
    The server (and werkzeug's test client) keep the request target in ``RAW_URI``."""
    from urllib.parse import quote, urlsplit

    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return quote(environ.get("PATH_INFO") or "/", safe="/")
    if "://" in raw.split("?", 1)[0]:  # the absolute form of a request target
        raw = urlsplit(raw).path or "/"
    # A fragment is never sent; a literal '#' is kept as a character of its segment.
    return raw.split("?", 1)[0].replace("#", "%23") or "/"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def request_line(method: str, path: str, query: str) -> str:
    """What the gateway logs of a request: the raw path (control characters escaped) and the
    names of its query parameters, never their values (``?email=…&limit=…``)."""
    from urllib.parse import parse_qsl

    names = list(dict.fromkeys(name for name, _ in parse_qsl(query, keep_blank_values=True)))
    line = path[:MAX_LOGGED_PATH] + ("?" + "&".join(f"{name}=…" for name in names) if names else "")
    return f"{_printable(method[:16])} {_printable(line)}"


def _decoded_parameters(convert: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Chalice's event converter, matching routes on the encoded path (one segment per
    parameter, whatever it holds) and giving each path parameter decoded, as API Gateway does."""
    from urllib.parse import unquote

    def create_lambda_event(*args: Any, **kwargs: Any) -> dict[str, Any]:
        event = convert(*args, **kwargs)
        event["pathParameters"] = {k: unquote(v) for k, v in (event.get("pathParameters") or {}).items()}
        return event

    return create_lambda_event


def problem(status: int, title: str, detail: str, instance: str | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    return Response(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, content_type="application/json")


class _ServiceApi:
    """One service's API: its Chalice app behind a LocalGateway, one request at a time."""

    def __init__(
        self, service: str, app: Any, config: dict[str, Any], stage: str, environment: dict[str, str] | None = None
    ) -> None:
        from chalice.config import Config
        from chalice.local import LocalGateway

        self.function_name = f"crm-{stage}-{service}-api"
        self.environment = environment or {}
        stages = config.get("stages") or {}
        chalice_config = Config(
            chalice_stage=stage if stage in stages else "dev",
            function_name=self.function_name,
            config_from_disk=config,
            default_params={"api_gateway_stage": "api", "autogen_policy": True},
        )
        self.gateway = LocalGateway(app, chalice_config)
        converter = self.gateway.event_converter
        converter.create_lambda_event = _decoded_parameters(converter.create_lambda_event)  # type: ignore[method-assign]
        self.lock = threading.Lock()


class Gateway:
    """The WSGI application; ``serve`` runs it on a threaded werkzeug server."""

    def __init__(
        self,
        runtime: Runtime,
        stage: str,
        emulator_url: str,
        *,
        health: HealthCheck | None = None,
        fault_registry: Faults | None = None,
        is_localstack: bool = False,
    ) -> None:
        self.runtime = runtime
        self.stage = stage
        self.emulator_url = emulator_url.rstrip("/")
        self.health = health or (lambda: (True, {}))
        self.faults = fault_registry or runtime.faults
        self.is_localstack = is_localstack
        self.apis = {
            name: _ServiceApi(name, service.app, service.config, stage, service.api_environment)
            for name, service in runtime.services.items()
        }
        self.server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = raw_path(environ)
        started = time.perf_counter()
        try:
            response = self.dispatch(request, path)
        except Exception as exc:  # a bug in the gateway itself, never a service's error
            say("gateway", f"internal error: {type(exc).__name__}")
            response = problem(500, "Local gateway error", f"the local gateway failed ({type(exc).__name__})")
        elapsed = (time.perf_counter() - started) * 1000
        if not request.path.startswith("/_local/health"):
            line = request_line(request.method, path, request.query_string.decode("latin-1"))
            say("gateway", f"{line} {response.status_code} {elapsed:.0f}ms")
        return response(environ, start_response)

    def dispatch(self, request: Request, path: str | None = None) -> Response:
        """Route ``path`` (raw, percent-encoded; the request's own when not given)."""
        if request.path.startswith("/_local/"):
            return self._local(request)
        if request.path == "/docs" or request.path.startswith("/docs/"):
            return docs.respond(request, self.runtime.services)
        raw = path if path is not None else raw_path(request.environ)
        service, rest = split_path(raw)
        if service is None or service not in self.apis:
            known = ", ".join(f"/{p}" for p, s in BASE_PATHS.items() if s in self.apis)
            detail = f"no service is mapped to this path (known prefixes: {known})"
            if service is not None:
                detail = f"the {service} service is not loaded in this local stack"
            return problem(404, "Not Found", detail, raw)
        return self._invoke(self.apis[service], request, rest, raw)

    def _invoke(self, api: _ServiceApi, request: Request, path: str, public: str) -> Response:
        from chalice.local import ForbiddenError, LocalGatewayException

        from shared.settings import function_environment

        query = request.query_string.decode("latin-1")
        full_path = f"{path}?{query}" if query else path
        headers = {key: value for key, value in request.headers.items()}
        body = request.get_data() or None
        request_id = str(uuid.uuid4())
        # Log context and the metrics flush are the app's own (shared.http.Api), as in AWS.
        with api.lock, function_environment(api.environment):
            if self.faults.take(api.function_name):
                # What API Gateway answers when its Lambda integration fails.
                return _json({"message": "Internal server error"}, 502)
            try:
                result = api.gateway.handle_request(request.method, full_path, headers, body)
            except ForbiddenError:
                # No route matches: API Gateway's 403 "Missing Authentication Token" (which
                # chalice's local copy answers echoing the Authorization header), answered
                # as the API's template maps it: a 404 problem, nothing of the request in it.
                return problem(404, "Not Found", "no resource is served at this path", public)
            except LocalGatewayException as exc:
                return problem(exc.CODE, "Gateway error", "the local gateway refused the request", public)
            except Exception as exc:
                say("gateway", f"{api.function_name} raised {type(exc).__name__}: {exc}")
                return _json({"message": "Internal server error"}, 502)
        return self._response(result, request_id)

    @staticmethod
    def _response(result: dict[str, Any], request_id: str) -> Response:
        import base64

        raw = result.get("body")
        body: bytes = b""
        if raw is not None:
            body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        response = Response(body, status=int(result["statusCode"]))
        headers = dict(result.get("headers") or {})
        response.headers["Content-Type"] = headers.pop("Content-Type", "application/json")
        for name, value in headers.items():
            response.headers[name] = value
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, value)
        response.headers["x-amzn-RequestId"] = request_id
        return response

    # --- /_local/* -------------------------------------------------------------------

    def _local(self, request: Request) -> Response:
        route = (request.method, request.path.rstrip("/"))
        if route == ("GET", "/_local/health"):
            healthy, details = self.health()
            return _json({"status": "ok" if healthy else "starting", **details}, 200 if healthy else 503)
        if route == ("POST", "/_local/faults"):
            return self._arm(request)
        if route == ("GET", "/_local/faults"):
            return _json({"armed": self.faults.armed()})
        sent = {"/_local/emails": self.emails, "/_local/sms": self.sms}.get(route[1])
        if request.method == "GET" and sent is not None:
            # The API's list convention: {"items": [...]} (all of them: the emulator does not page).
            return _json({"items": sent(), "next_cursor": None})
        if route[1] == "/_local/ses/faults" and request.method in ("GET", "PUT", "DELETE"):
            return self._ses_faults(request)
        return problem(404, "Not Found", f"no local endpoint {request.method} {request.path}", request.path)

    def _arm(self, request: Request) -> Response:
        try:
            payload = json.loads(request.get_data() or b"{}")
            name, count = str(payload["function"]), int(payload.get("count", 1))
        except (ValueError, KeyError, TypeError):
            return problem(400, "Bad Request", 'expected {"function": "<function name>", "count": <n>}')
        known = {f.function_name for f in self.runtime.functions()} | {a.function_name for a in self.apis.values()}
        if name not in known:
            return problem(404, "Not Found", f"no local function {name} (known: {', '.join(sorted(known))})")
        self.faults.arm(name, count)
        say("stack", f"fault armed: the next {count} invocation(s) of {name} will crash")
        return _json({"function": name, "armed": self.faults.armed().get(name, 0)}, 201)

    def emails(self) -> list[dict[str, Any]]:
        """Mail sent through SES, as the emulator recorded it."""
        import requests

        if self.is_localstack:
            found = requests.get(f"{self.emulator_url}/_aws/ses", timeout=10).json()["messages"]
            return [localstack_email(m) for m in found]
        data = requests.get(f"{self.emulator_url}/moto-api/data.json", timeout=10).json()
        ses = data.get("ses", {})
        return [dict(message, kind=kind) for kind in SES_MODELS for message in ses.get(kind, [])]

    def sms(self) -> list[dict[str, Any]]:
        """SMS sent through SNS Publish to a phone number, as the emulator recorded them."""
        import requests

        if self.is_localstack:
            found = requests.get(f"{self.emulator_url}/_aws/sns/sms-messages", timeout=10).json()
            by_number: dict[str, list[dict[str, Any]]] = found.get("sms_messages", {})
            return [
                {"message_id": m.get("MessageId"), "phone_number": number, "message": m.get("Message")}
                for number, messages in by_number.items()
                for m in messages
            ]
        items: list[dict[str, Any]] = requests.get(f"{self.emulator_url}/_local/sms", timeout=10).json()["items"]
        return items

    def _ses_faults(self, request: Request) -> Response:
        """``PUT {"throttle": n, "fail": n}``: the emulator's next n SendBulkEmail calls are
        throttled (429) or fail (500), nothing sent (infra.local.moto_sesv2_bulk)."""
        import requests

        if self.is_localstack:
            return problem(501, "Not Implemented", "SES faults are injected by the moto emulator only")
        answer = requests.request(
            request.method, f"{self.emulator_url}/_local/ses/faults", data=request.get_data(), timeout=10
        )
        if request.method == "PUT" and answer.ok:
            say("stack", f"SES faults armed: {answer.json()['armed']}")
        if answer.status_code == 400:
            return problem(400, "Bad Request", 'expected {"throttle": <n>, "fail": <n>}')
        return _json(answer.json(), answer.status_code)

    # --- server --------------------------------------------------------------------------

    def serve(self, host: str, port: int) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the gateway logs its own lines
        self.server = make_server(host, port, self, threaded=True)
        self._thread = threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def localstack_email(message: dict[str, Any]) -> dict[str, Any]:
    """A message of LocalStack's ``/_aws/ses`` in the shape ``/_local/emails`` gives on moto
    (its SES models' fields), so that a client reads sent mail the same way on both."""
    body = message.get("Body") or {}
    return {
        "id": message.get("Id"),
        "source": message.get("Source"),
        "destinations": message.get("Destination") or {},
        "subject": message.get("Subject"),
        "body": body.get("html_part") or body.get("text_part") or message.get("RawData"),
        "kind": "RawMessage" if "RawData" in message else "Message",
    }
