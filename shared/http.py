"""The HTTP edge of every service: authentication, role checks, body and query parsing
(shared.inputs), Idempotency-Key, the one place where errors become RFC 9457 problem
details (shaped by shared.replies), and the log context and metrics flush of every
request (a Chalice middleware).

A handler receives a ``Ctx`` (+ path parameters), calls one use-case and returns a
pydantic model, a dict, or a ``Reply``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from shared.auth import ANONYMOUS, PUBLIC_ROUTES, STAFF, Principal, Role, authenticate, authorize
from shared.errors import BadRequest, Conflict, Problem, Unprocessable
from shared.inputs import NoQuery, check_body_size, parse_body, parse_query
from shared.observability import logger
from shared.replies import Reply, chalice_problem, jsonable, problem_response, response_of
from shared.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from chalice.app import Chalice, Request, Response

# Handlers take Reply from here, beside Router and Ctx (it lives in shared.replies).
__all__ = ["BASE_PATHS", "Api", "Ctx", "Reply", "RouteSpec", "Router", "base_path", "path_of"]

# id(Chalice app) -> its Api (one per service, alive as long as the module holding the app).
_APIS: dict[int, Api] = {}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IDEMPOTENCY_TTL_SECONDS = 24 * 3600

# First segment of the public path -> service: the API custom domain's base-path mappings
# (its template, and the local gateway, infra/local/gateway.py, map the same). A service's
# routes are relative to its base path; what a client sees (``instance``) is not.
BASE_PATHS = {
    "contacts": "contacts",
    "pipeline": "pipeline",
    "service-desk": "service_desk",
    "loyalty": "loyalty",
    "campaigns": "campaigns",
}


@dataclass
class Ctx:
    principal: Principal
    request: Request
    body: Any = None
    # The route's validated query (its ``query=`` model), None when it declares none (and
    # then the request has none): the one way a handler reads its query parameters.
    params: Any = None

    def header(self, name: str) -> str | None:
        value: str | None = self.request.headers.get(name)
        return value


def _bytes(raw: bytes | str | None) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw or b""


def base_path(service: str) -> str:
    """``/service-desk`` for ``service_desk``: where the service is mounted on the API domain."""
    mounted = {svc: prefix for prefix, svc in BASE_PATHS.items()}
    return "/" + mounted.get(service, service.replace("_", "-"))


def path_of(request: Request) -> str:
    """The requested path (Chalice's ``request.path`` is the route template, e.g. /leads/{id})."""
    path: str = request.path
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", value)
    return path


@dataclass(frozen=True)
class RouteSpec:
    """One route a feature declares, kept until the service's ``Api`` includes it."""

    path: str
    handler: Callable[..., Any]
    methods: tuple[str, ...]
    roles: frozenset[Role]
    body: type[BaseModel] | None
    status: int
    query: type[BaseModel] | None = None
    # What a success answers (for the OpenAPI document); None: not declared.
    response: Any = None
    # Other success statuses answering the same representation (e.g. 200 for a POST that
    # finds the record already there).
    also: tuple[int, ...] = ()
    # Answered without a token (only what shared.auth.PUBLIC_ROUTES names): no role check,
    # the caller is ``ANONYMOUS``; the handler itself checks what the request carries.
    public: bool = False
    # The success's media type when it is not JSON (``image/gif``, ``text/html``).
    media_type: str | None = None
    # Request media types accepted besides JSON (a form post: the one-click unsubscribe).
    content_types: tuple[str, ...] = ()
    # A path parameter's pattern, for the OpenAPI document (a signed token's shape).
    path_patterns: tuple[tuple[str, str], ...] = ()


class Router:
    """A feature's routes (its ``routes.py``), declared without an app: the service's
    api.py includes each feature's router explicitly (``Api.include``), like Powertools'
    ``Router`` + ``include_router``; importing a routes module registers nothing."""

    def __init__(self) -> None:
        self.routes: list[RouteSpec] = []

    def route(
        self,
        path: str,
        *,
        methods: Collection[str] = ("GET",),
        roles: Collection[Role],
        body: type[BaseModel] | None = None,
        status: int = 200,
        query: type[BaseModel] | None = None,
        response: Any = None,
        also: Collection[int] = (),
        public: bool = False,
        media_type: str | None = None,
        content_types: Collection[str] = (),
        path_patterns: Mapping[str, str] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if public and roles:
            raise ValueError(f"{path}: a public route admits no roles (it has no caller to check)")

        def declare(handler: Callable[..., Any]) -> Callable[..., Any]:
            spec = RouteSpec(
                path,
                handler,
                tuple(methods),
                frozenset(roles),
                body,
                status,
                query,
                response,
                tuple(also),
                public,
                media_type,
                tuple(content_types),
                tuple(sorted((path_patterns or {}).items())),
            )
            self.routes.append(spec)
            return handler

        return declare


class Api:
    """Registers the features' routes on one service's Chalice app, each authenticated,
    role-checked, parsed and answered with problem details on error. ``GET /openapi.json``
    answers the service's OpenAPI document (shared.openapi), made from those routes."""

    def __init__(self, app: Chalice, service: str) -> None:
        # Fail closed at cold start: an API that could not verify tokens is not built at all.
        get_settings().require_authentication()
        self.app = app
        self.service = service
        self.base_path = base_path(service)
        # Every route included, in order: what the service's OpenAPI document is made from.
        self.routes: list[RouteSpec] = []
        self._store: DynamoDBPersistenceLayer | None = None
        self._document: tuple[int, dict[str, Any]] | None = None  # (routes it covers, document)
        _APIS[id(app)] = self
        # Log context and the metrics flush of every request, as shared.functions gives the others.
        app.register_middleware(self._observed, "http")
        # Like every route, behind a token (any staff role): the local /docs page reads the
        # documents in-process instead.
        self._include(RouteSpec("/openapi.json", self._openapi_route(), ("GET",), STAFF, None, 200, None, dict))

    @staticmethod
    def of(app: Chalice) -> Api:
        """The ``Api`` that registered ``app``'s routes."""
        return _APIS[id(app)]

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of every route included so far (built once)."""
        from shared.openapi import document

        if self._document is None or self._document[0] != len(self.routes):
            self._document = (len(self.routes), document(self))
        return self._document[1]

    def _openapi_route(self) -> Callable[[Ctx], dict[str, Any]]:
        def get_openapi(ctx: Ctx) -> dict[str, Any]:
            """The service's OpenAPI 3.1 document

            Generated from the route declarations: bodies, parameters, responses with
            their problem details, the bearer scheme and each operation's roles (x-roles).
            """
            return self.openapi()

        return get_openapi

    def _observed(self, request: Request, get_response: Callable[[Request], Response]) -> Response:
        from shared.observability import function_context

        context = self.app.lambda_context
        name = getattr(context, "function_name", None) or f"{self.service}-api"
        with function_context(name, getattr(context, "aws_request_id", None)):
            return self._problem_of_chalice(request, get_response(request))

    def instance(self, request: Request) -> str:
        """The public path of the request (``/contacts/analytics``), for ``instance``."""
        return (self.base_path + path_of(request)).rstrip("/") or "/"

    def _problem_of_chalice(self, request: Request, response: Response) -> Response:
        """Chalice's own error answers (405 with Allow, 415, 400...) as problem details."""
        body = response.body
        if response.status_code < 400 or not isinstance(body, dict) or set(body) != {"Code", "Message"}:
            return response
        answer = problem_response(chalice_problem(response.status_code), self.instance(request))
        allow = (response.headers or {}).get("Allow")
        if allow:
            answer.headers["Allow"] = allow
        return answer

    def include(self, router: Router) -> None:
        """Register every route a feature's router declared."""
        for spec in router.routes:
            self._include(spec)

    def _include(self, spec: RouteSpec) -> None:
        self.routes.append(spec)
        self._register(spec)

    def _register(self, spec: RouteSpec) -> None:
        handler, body, status, query = spec.handler, spec.body, spec.status, spec.query
        unlisted = [m for m in spec.methods if (self.service, m, spec.path) not in PUBLIC_ROUTES]
        if spec.public and unlisted:
            # Fail closed: a route skips the token only where the one list says it may.
            raise ValueError(f"{self.service} {unlisted[0]} {spec.path} is public but not in shared.auth.PUBLIC_ROUTES")

        @functools.wraps(handler)
        def view(**params: str) -> Response:
            request = self.app.current_request
            assert request is not None
            try:
                check_body_size(request.raw_body)
                if spec.public:
                    principal = ANONYMOUS
                else:
                    principal = authenticate(request.headers.get("authorization"))
                    authorize(principal, spec.roles)
                # The URL before the body: a wrong parameter is said first; none is read undeclared.
                parameters = parse_query(request.query_params, query or NoQuery)
                ctx = Ctx(
                    principal,
                    request,
                    parse_body(request.raw_body, body) if body else None,
                    parameters if query else None,
                )
                key = request.headers.get("idempotency-key")
                if key and request.method in WRITE_METHODS and not spec.public:
                    return response_of(self._once(ctx, key, lambda: self._call(handler, ctx, params, status)))
                return response_of(self._call(handler, ctx, params, status))
            except Problem as problem:
                return problem_response(problem, self.instance(request))
            except Exception:
                # The route template, not the path: paths hold ids, logs hold no PII.
                logger.exception("unhandled error", extra={"route": request.path, "method": request.method})
                return problem_response(
                    Problem("an unexpected error occurred; nothing was changed"), self.instance(request)
                )

        view.crm_roles = spec.roles  # type: ignore[attr-defined]
        view.crm_body = spec.body  # type: ignore[attr-defined]
        view.crm_public = spec.public  # type: ignore[attr-defined]
        binary = spec.media_type is not None and not spec.media_type.startswith(("text/", "application/json"))
        if binary and spec.media_type is not None:
            # Bytes are answered only to an Accept naming a binary type (Chalice, like API
            # Gateway's binaryMediaTypes): an image fetch's ``image/*`` must be one.
            family = spec.media_type.split("/", 1)[0] + "/*"
            for kind in (spec.media_type, family):
                if kind not in self.app.api.binary_types:
                    self.app.api.binary_types.append(kind)
        if spec.content_types:
            accepted = ["application/json", *spec.content_types]
            self.app.route(spec.path, methods=list(spec.methods), content_types=accepted)(view)
        else:
            self.app.route(spec.path, methods=list(spec.methods))(view)

    @staticmethod
    def _call(handler: Callable[..., Any], ctx: Ctx, params: dict[str, str], status: int) -> Reply:
        result = handler(ctx, **params)
        return result if isinstance(result, Reply) else Reply(body=result, status=status)

    def _once(self, ctx: Ctx, key: str, run: Callable[[], Reply]) -> Reply:
        """Idempotency-Key: the first response is stored and replayed for 24 h."""
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        if len(key) > 128:
            raise BadRequest("Idempotency-Key is too long", errors=[{"field": "Idempotency-Key", "message": "max 128"}])
        request = {
            "key": f"{ctx.principal.subject}|{ctx.request.method}|{path_of(ctx.request)}|{key}",
            "body": hashlib.sha256(_bytes(ctx.request.raw_body)).hexdigest(),
        }
        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="body",
            expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
        )
        if self.app.lambda_context is not None:
            config.register_lambda_context(self.app.lambda_context)  # type: ignore[arg-type]

        @idempotent_function(data_keyword_argument="request", persistence_store=self._persistence(), config=config)
        def first(request: dict[str, str]) -> dict[str, Any]:
            reply = run()
            return {"body": jsonable(reply.body), "status": reply.status, "headers": reply.headers}

        try:
            stored = first(request=request)
        except IdempotencyValidationError:
            raise Unprocessable(
                "this Idempotency-Key was used with a different body",
                errors=[{"field": "Idempotency-Key", "message": "reused with a different body"}],
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("a request with this Idempotency-Key is in progress") from None
        return Reply(body=stored["body"], status=stored["status"], headers=stored["headers"])

    def _persistence(self) -> DynamoDBPersistenceLayer:
        # One persistence layer per function: Powertools keeps a function's settings on it.
        if self._store is None:
            from shared.idempotency import idempotency_store

            self._store = idempotency_store(self.service, f"{self.service}-api")
        return self._store
