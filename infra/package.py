"""Package one service for CloudFormation: ``python -m infra.package contacts --stage dev``.

build/<svc>/ is a Chalice project of its own: app.py, .chalice/, vendor/{shared,<svc>}
(Chalice zips vendor/ into the function as is) and the runtime pins. ``chalice package``
then writes out/sam.yaml (the service's resources.yaml merged in) and out/deployment.zip;
the template must lint clean (cfn-lint errors and warnings fail) and its role must grant
what the functions' event sources need. build/<svc>/openapi.json is the service's OpenAPI
3.1 document (the committed services/<svc>/openapi.json, drift-tested against the routes);
build/<svc>/swagger.json is Chalice's Swagger 2.0 view of the routes (what API Gateway's
template embeds).

Works offline except for dependency wheels: chalice downloads Lambda-compatible wheels
with pip (pip's cache makes repeats quick; build/<svc>/.chalice/deployments keeps the
zip, reused while requirements and vendored code are unchanged).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from infra import apigateway
from infra.permissions import missing as missing_permissions
from infra.services import ROOT, SERVICES, service_dir
from infra.templates import REGION, Finding, blocking, lint, load_template
from shared.settings import DEV_AUTH_ENVIRONMENT

BUILD = ROOT / "build"
# Tests and the kernel's test support (testing.py, serial_moto.py) never ship.
SKIP = shutil.ignore_patterns(
    "tests", "testing.py", "serial_moto.py", "__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"
)
# Local Chalice state that must never be shipped (and differs per developer).
CHALICE_SKIP = shutil.ignore_patterns("deployments", "deployed")


class PackagingError(Exception):
    """chalice failed or the packaged template does not lint clean."""


@dataclass(frozen=True)
class Packaged:
    service: str
    stage: str
    template: Path
    deployment: Path
    openapi: Path
    swagger: Path
    findings: list[Finding]
    seconds: float


def assemble(service: str, build_root: Path = BUILD, *, dependencies: bool = True) -> Path:
    """Lay out build/<svc>/ as a Chalice project; keep Chalice's zip cache from last time."""
    source = service_dir(service)
    for required in ("app.py", "resources.yaml", ".chalice/config.json"):
        if not (source / required).is_file():
            raise PackagingError(f"services/{service}/{required} does not exist")
    project = build_root / service
    if project.exists():
        for entry in project.iterdir():
            if entry.name == ".chalice":
                for inner in entry.iterdir():
                    if inner.name != "deployments":
                        _remove(inner)
            else:
                _remove(entry)
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "app.py", project / "app.py")
    shutil.copytree(source / ".chalice", project / ".chalice", ignore=CHALICE_SKIP, dirs_exist_ok=True)
    shutil.copytree(ROOT / "shared", project / "vendor" / "shared", ignore=SKIP)
    shutil.copytree(source / service, project / "vendor" / service, ignore=SKIP)
    # Without dependencies the template is the same; only the zip lacks the wheels. The
    # fast lint checks use that to skip pip.
    requirements = (ROOT / "requirements.txt").read_text() if dependencies else ""
    (project / "requirements.txt").write_text(requirements)
    return project


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def merge_template(service: str, stage: str, project: Path) -> Path:
    """resources.yaml with the Stage parameter defaulting to ``stage`` (written as JSON,
    which chalice's YAML loader reads too), so the template deploys without overrides;
    and the Cognito parameters every function's environment gets (infra/apigateway.py)."""
    template = load_template(service_dir(service) / "resources.yaml")
    template.setdefault("Parameters", {}).setdefault("Stage", {"Type": "String"})["Default"] = stage
    apigateway.add_parameters(template)
    path = project / f"resources.{stage}.json"
    path.write_text(json.dumps(template, indent=2) + "\n")
    return path


def _secure(path: Path, service: str) -> None:
    """The authorizer on every method and problem+json gateway responses, written into the
    API chalice generated (infra/apigateway.py); a template giving any function the local
    flag is refused."""
    import yaml

    template = load_template(path)
    if leaks := apigateway.dev_auth_set(template):
        flag = next(iter(DEV_AUTH_ENVIRONMENT))
        raise PackagingError(f"{path}: {flag} is for the local stack only, yet set for {', '.join(leaks)}")
    apigateway.secure(template, service)
    path.write_text(yaml.safe_dump(template, default_flow_style=False))


def _prune_zip_cache(project: Path) -> None:
    """Keep only the newest cached zip: each is ~25 MiB and a stale one is never reused."""
    cached = sorted((project / ".chalice" / "deployments").glob("*.zip"), key=lambda p: p.stat().st_mtime)
    for stale in cached[:-1]:
        stale.unlink()


def _chalice_env() -> dict[str, str]:
    """Dummy credentials and a fixed region: packaging never calls AWS. PYTHONPATH is
    dropped so chalice imports the app from vendor/, proving the package is complete.
    Chalice imports the app only to read its routes, never to serve a request: it runs
    with the local flag (an API refuses to be built without token verification). The
    packaged functions' environments come from the templates, which never set it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
    env.update(
        AWS_ACCESS_KEY_ID="packaging-needs-no-credentials",
        AWS_SECRET_ACCESS_KEY="packaging-needs-no-credentials",
        AWS_DEFAULT_REGION=REGION,
        **DEV_AUTH_ENVIRONMENT,
    )
    return env


def _chalice(project: Path, *args: str) -> str:
    chalice = Path(sys.executable).parent / "chalice"
    command = [str(chalice) if chalice.exists() else "chalice", "--project-dir", str(project), *args]
    result = subprocess.run(command, cwd=project, env=_chalice_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise PackagingError(f"{' '.join(args[:1])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def package(service: str, stage: str, build_root: Path = BUILD, *, dependencies: bool = True) -> Packaged:
    started = time.perf_counter()
    project = assemble(service, build_root, dependencies=dependencies)
    merge = merge_template(service, stage, project)
    out = project / "out"
    _chalice(
        project,
        "package",
        "--stage",
        stage,
        "--template-format",
        "yaml",
        "--merge-template",
        str(merge),
        str(out),
    )
    _prune_zip_cache(project)
    template = out / "sam.yaml"
    _secure(template, service)
    findings = lint(template, informational=True)
    if failing := blocking(findings):
        raise PackagingError(f"{template} does not lint clean:\n" + "\n".join(f"  {f}" for f in failing))
    if gaps := missing_permissions(load_template(template)):
        raise PackagingError(
            f"{template}: DefaultRole lacks what the wiring needs:\n" + "\n".join(f"  {g}" for g in gaps)
        )
    document = service_dir(service) / "openapi.json"
    if not document.is_file():
        raise PackagingError(f"services/{service}/openapi.json does not exist: run `make schemas`")
    openapi = project / "openapi.json"
    shutil.copy2(document, openapi)
    swagger = project / "swagger.json"
    models = json.loads(_chalice(project, "generate-models", "--stage", stage))
    swagger.write_text(json.dumps(models, indent=2, sort_keys=True) + "\n")
    return Packaged(
        service=service,
        stage=stage,
        template=template,
        deployment=out / "deployment.zip",
        openapi=openapi,
        swagger=swagger,
        findings=findings,
        seconds=time.perf_counter() - started,
    )


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--build-dir", type=Path, default=BUILD)
    args = parser.parse_args(argv)
    try:
        result = package(args.service, args.stage, args.build_dir)
    except PackagingError as exc:
        print(f"package {args.service}: {exc}", file=sys.stderr)
        return 1
    for finding in result.findings:  # informational only: errors and warnings failed above
        print(f"  note {finding}")
    size = result.deployment.stat().st_size / 1_048_576
    print(f"{result.service} ({result.stage}) packaged in {result.seconds:.1f}s; cfn-lint clean, permissions complete")
    print(f"  template   {_shown(result.template)}")
    print(f"  code       {_shown(result.deployment)} ({size:.1f} MiB)")
    print(f"  openapi    {_shown(result.openapi)} (OpenAPI 3.1; Swagger 2.0: {_shown(result.swagger)})")
    stack = f"crm-{result.stage}-{result.service.replace('_', '-')}"  # stack names allow no underscores
    print(
        f"  deploy     sam deploy --template-file {_shown(result.template)}"
        f" --stack-name {stack} --capabilities CAPABILITY_IAM --resolve-s3"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
