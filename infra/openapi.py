"""The HTTP contract as files: one OpenAPI 3.1 document per service.

``python -m infra.openapi write`` regenerates ``services/<svc>/openapi.json`` from each
service's route declarations (shared.openapi, the same document the service answers at
``GET /openapi.json``); ``python -m infra.openapi check`` exits 1 and names every file
that drifted (a test runs the same comparison). ``make schemas`` runs ``write``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from infra import generated
from infra.services import existing_services, service_dir, service_module


def document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, from its app's routes."""
    from shared.http import Api

    module = service_module(service, "api")
    if module is None:
        raise LookupError(f"services/{service}/{service}/api.py does not exist")
    return Api.of(module.app).openapi()


def path_of(service: str) -> Path:
    return service_dir(service) / "openapi.json"


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected() -> dict[Path, str]:
    return {path_of(service): render(document(service)) for service in existing_services()}


def drift() -> list[str]:
    return generated.drift(expected())


def write() -> list[Path]:
    return generated.write(expected())


def main(argv: list[str] | None = None) -> int:
    return generated.command(
        argv,
        what="OpenAPI documents",
        source="routes",
        write=write,
        drift=drift,
        summary=lambda changed: f"OpenAPI documents of {', '.join(existing_services())}; {changed} files changed",
    )


if __name__ == "__main__":
    sys.exit(main())
