"""Where the services live and how to read their public parts (events, consumers, rules)
without importing one service from another.

Every service is ``services/<svc>/`` with a package of the same name; this module puts
``services/<svc>`` on ``sys.path`` itself, so the tools work without the Makefile's
PYTHONPATH too.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.templates import load_template

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("contacts", "pipeline", "service_desk", "loyalty", "campaigns")


def service_dir(service: str) -> Path:
    return ROOT / "services" / service


def existing_services() -> list[str]:
    """The services whose package is there yet (they are written one at a time)."""
    return [s for s in SERVICES if (service_dir(s) / s / "__init__.py").is_file()]


def service_module(service: str, name: str) -> ModuleType | None:
    """``<service>.<name>`` or None when the service has no such module. Tools import a
    service to read its declarations (routes, events, functions); building its API needs
    token verification configured (it fails closed), so they import under the local flag."""
    from shared.settings import DEV_AUTH_ENVIRONMENT, function_environment

    if not (service_dir(service) / service / f"{name}.py").is_file():
        return None
    path = str(service_dir(service))
    if path not in sys.path:
        sys.path.append(path)
    with function_environment(DEV_AUTH_ENVIRONMENT):
        return importlib.import_module(f"{service}.{name}")


def events_of(service: str) -> list[Any]:
    """The event classes a service publishes (its ``events.EVENTS``)."""
    module = service_module(service, "events")
    return list(getattr(module, "EVENTS", [])) if module else []


def consumes_of(service: str) -> dict[str, list[Any]]:
    """detail-type -> the models its handlers read (the service's ``subscriptions.SUBSCRIPTIONS``),
    empty when it consumes nothing."""
    module = service_module(service, "subscriptions")
    models: dict[str, list[Any]] = {}
    for subscription in getattr(module, "SUBSCRIPTIONS", []):
        models.setdefault(subscription.detail_type, []).append(subscription.model)
    return models


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule in a consumer's template, reduced to what routing needs."""

    service: str
    name: str
    sources: tuple[Any, ...]  # EventBridge matchers: strings or {"prefix": ...}
    detail_types: tuple[Any, ...]
    bus: Any  # EventBusName as written (usually {"Fn::Sub": "crm-${Stage}"})

    def matches(self, source: str, detail_type: str) -> bool:
        return _match(self.sources, source) and _match(self.detail_types, detail_type)


def _match(matchers: tuple[Any, ...], value: str) -> bool:
    """EventBridge's list semantics for the matchers our rules use; no list = anything."""
    if not matchers:
        return True
    for matcher in matchers:
        if isinstance(matcher, str) and matcher == value:
            return True
        if isinstance(matcher, dict):
            if "prefix" in matcher and value.startswith(str(matcher["prefix"])):
                return True
            if "anything-but" in matcher:
                excluded = matcher["anything-but"]
                excluded = excluded if isinstance(excluded, list) else [excluded]
                if value not in excluded:
                    return True
    return False


def rules_of(service: str) -> list[Rule]:
    """The EventBridge rules a service's resources.yaml declares (its subscriptions)."""
    path = service_dir(service) / "resources.yaml"
    if not path.is_file():
        return []
    resources: dict[str, Any] = load_template(path).get("Resources") or {}
    rules = []
    for name, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Events::Rule":
            continue
        properties = resource.get("Properties") or {}
        pattern = properties.get("EventPattern") or {}
        if isinstance(pattern, str):  # CloudFormation also accepts the pattern as JSON text
            pattern = json.loads(pattern)
        # A pattern with "$or" matches when any branch does (with the fields beside it):
        # one Rule per branch.
        for branch in pattern.get("$or") or [{}]:
            matched = {**pattern, **branch}
            rules.append(
                Rule(
                    service=service,
                    name=name,
                    sources=tuple(_as_list(matched.get("source"))),
                    detail_types=tuple(_as_list(matched.get("detail-type"))),
                    bus=properties.get("EventBusName"),
                )
            )
    return rules


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
