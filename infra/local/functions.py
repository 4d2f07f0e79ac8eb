"""The functions runtime: each service's Chalice app, imported once, invoked in-process
with a Lambda-like context, and a fault-injection registry for crash tests.

Local difference: every function of every service shares one Python process (Lambda
gives each its own sandbox); the Chalice packages are named after their service, so
they import side by side. Invocations of one function may run concurrently on
different threads, as concurrent Lambda sandboxes would. Each invocation sees the
environment its template declares (resolved to the provisioned names and URLs), laid
over the process's for that invocation only (shared.settings.function_environment).
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chalice.utils import to_cfn_resource_name

SERVICES = ("contacts", "pipeline", "service_desk", "loyalty", "campaigns")
DEFAULT_TIMEOUT_SECONDS = 60

Handler = Callable[[dict[str, Any], Any], Any]
# (service, function logical id) -> the environment its template gives it
Environments = Callable[[str, str], dict[str, str]]
API_LOGICAL_ID = "APIHandler"  # Chalice's name for a service's API function


class InjectedFault(RuntimeError):
    """Raised instead of running a function whose fault was armed (a simulated crash)."""


class Faults:
    """``arm(name, count)``: the next ``count`` invocations of that function crash before the handler."""

    def __init__(self) -> None:
        self._armed: dict[str, int] = {}
        self._lock = threading.Lock()

    def arm(self, function_name: str, count: int = 1) -> None:
        with self._lock:
            self._armed[function_name] = self._armed.get(function_name, 0) + count

    def take(self, function_name: str) -> bool:
        """True (and one fewer armed) when this invocation must crash."""
        with self._lock:
            left = self._armed.get(function_name, 0)
            if left <= 0:
                return False
            self._armed[function_name] = left - 1
            return True

    def armed(self) -> dict[str, int]:
        with self._lock:
            return {k: v for k, v in self._armed.items() if v > 0}


faults = Faults()


@dataclass
class LambdaContext:
    """What handlers (and Powertools) read from Lambda's context object."""

    function_name: str
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LocalFunction:
    service: str
    name: str  # the Chalice name, e.g. "outbox_relay"
    function_name: str  # crm-<stage>-<service>-<name>
    handler: Handler
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    invocations: int = 0
    errors: int = 0
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def logical_id(self) -> str:
        return to_cfn_resource_name(self.name)


@dataclass
class Service:
    name: str
    app: Any  # chalice.Chalice
    config: dict[str, Any]
    functions: dict[str, LocalFunction] = field(default_factory=dict)  # by logical id
    api_environment: dict[str, str] = field(default_factory=dict)  # what the API function gets


class Runtime:
    """Loads the services and invokes their functions by name, logical id or ARN."""

    def __init__(self, stage: str, fault_registry: Faults = faults, environments: Environments | None = None) -> None:
        self.stage = stage
        self.faults = fault_registry
        # The provisioned topology's environments (infra.local.topology.Topology.environment).
        self.environments: Environments = environments or (lambda service, logical_id: {})
        self.services: dict[str, Service] = {}
        self.warnings: list[str] = []
        self._by_name: dict[str, LocalFunction] = {}

    def load(self, services: tuple[str, ...] = SERVICES) -> None:
        from infra.local.provision import REPO_ROOT

        for service in services:
            if not (REPO_ROOT / "services" / service / service / "api.py").is_file():
                self.warnings.append(f"service {service}: services/{service}/{service}/api.py not found, skipped")
                continue
            module = importlib.import_module(f"{service}.api")
            self.add_service(service, module.app, _chalice_config(service))

    def add_service(self, service: str, app: Any, config: dict[str, Any] | None = None) -> Service:
        config = config or {}
        entry = Service(service, app, config, api_environment=self.environments(service, API_LOGICAL_ID))
        timeout = int(config.get("lambda_timeout", DEFAULT_TIMEOUT_SECONDS))
        for pure in app.pure_lambda_functions:
            self.add_function(entry, pure.name, pure, timeout)
        self.services[service] = entry
        return entry

    def add_function(self, service: Service, name: str, handler: Handler, timeout: int = 60) -> LocalFunction:
        function = LocalFunction(service.name, name, f"crm-{self.stage}-{service.name}-{name}", handler, timeout)
        function.environment = self.environments(service.name, function.logical_id)
        service.functions[function.logical_id] = function
        # The provisioner names a function referenced from a template by its logical id.
        for alias in (function.function_name, f"crm-{self.stage}-{service.name}-{function.logical_id}"):
            self._by_name[alias] = function
        return function

    def functions(self) -> Iterator[LocalFunction]:
        for service in self.services.values():
            yield from service.functions.values()

    def function(self, service: str, logical_id: str) -> LocalFunction | None:
        entry = self.services.get(service)
        return entry.functions.get(logical_id) if entry else None

    def find(self, name_or_arn: str) -> LocalFunction | None:
        """A function by its name or its ARN (``arn:aws:lambda:...:function:NAME[:qualifier]``)."""
        name = name_or_arn.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in name_or_arn else name_or_arn
        return self._by_name.get(name)

    def invoke(self, function: LocalFunction, event: dict[str, Any]) -> Any:
        """Run one invocation as Lambda would: a fresh context, and the environment the
        function's template gives it. Log context and the metrics flush are the handler's
        own (shared.functions), as in AWS: nothing is added here."""
        from shared.settings import function_environment

        context = LambdaContext(function.function_name, function.timeout_seconds)
        function.invocations += 1
        with function_environment(function.environment):
            if self.faults.take(function.function_name):
                function.errors += 1
                raise InjectedFault(f"{function.function_name}: injected fault (simulated crash before the handler)")
            try:
                return function.handler(event, context)
            except Exception:
                function.errors += 1
                raise


def _chalice_config(service: str) -> dict[str, Any]:
    import json

    from infra.local.provision import REPO_ROOT

    path = REPO_ROOT / "services" / service / ".chalice" / "config.json"
    if not path.is_file():
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded
