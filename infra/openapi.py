"""The HTTP contract as files: one OpenAPI 3.1 document per service.

``python -m infra.openapi write`` regenerates ``services/<svc>/openapi.json`` from each
service's route declarations (shared.openapi, the same document the service answers at
``GET /openapi.json``); ``python -m infra.openapi check`` exits 1 and names every file
that drifted (a test runs the same comparison). ``make schemas`` runs ``write``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.services import ROOT, existing_services, service_dir, service_module


def document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, from its app's routes."""
    from shared.http import Api
    from shared.settings import DEV_AUTH_ENVIRONMENT, function_environment

    # Building an app needs token verification configured (it fails closed); this tool
    # only reads the routes, as packaging does, so it builds them under the local flag.
    with function_environment(DEV_AUTH_ENVIRONMENT):
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
    problems = []
    for path, text in expected().items():
        if not path.is_file():
            problems.append(f"missing  {path.relative_to(ROOT)}")
        elif path.read_text() != text:
            problems.append(f"changed  {path.relative_to(ROOT)}")
    return problems


def write() -> list[Path]:
    changed = []
    for path, text in expected().items():
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate or check each service's OpenAPI document.")
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.command == "write":
        changed = write()
        for path in changed:
            print(f"wrote {path.relative_to(ROOT)}")
        print(f"OpenAPI documents of {', '.join(existing_services())}; {len(changed)} files changed")
        return 0
    problems = drift()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("OpenAPI documents drifted from the routes: run `make schemas` and commit", file=sys.stderr)
        return 1
    print("OpenAPI documents match the routes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
