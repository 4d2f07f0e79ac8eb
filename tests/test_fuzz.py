"""Fuzzing: schemathesis drives every operation of every service's OpenAPI document
(as the running stack serves it) through the local gateway, as an admin and as a sales
user, with data that fits the document (positive) and data that does not (negative).

Checks: no 5xx (``not_a_server_error``) and every response matches its declaration: its
media type (``content_type_conformance``) and schema (``response_schema_conformance``: the
success model, the problem details). A route is
fuzzed by being declared: nothing here names one, except the known findings below.

Random ids mostly meet 404s, so each operation whose path names a contact or a ticket is
also fuzzed (positive) with the id of one that exists, made for it: its success
responses are checked against their schemas too.

Bounded and deterministic: hypothesis is derandomized, never shrinks and keeps no
database; each service gets about ``BUDGET`` requests spread over its operations. The
requests per service and the distinct findings go to the terminal summary.

The stack is this module's own (a fresh one, not the session's): fuzzed writes add reps,
contacts and jobs that other end-to-end tests would otherwise see.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from infra.local.launch import LocalStack, running_stack
from infra.services import existing_services

pytestmark = pytest.mark.e2e

BUDGET = 300  # requests per service and pass, about: a few hundred, a few minutes for all five
MIN_EXAMPLES, MAX_EXAMPLES = 3, 25  # per operation, role and mode
ROLES = ("admin", "sales")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # Named like the session fixture so that a failure attaches this stack's output.
    with running_stack(tmp_path_factory.mktemp("fuzz-stack")) as running:
        yield running


@dataclass
class Finding:
    service: str
    operation: str  # operationId
    label: str  # METHOD /path
    status: int
    check: str
    example: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.service, self.operation, self.status, self.check)


@dataclass
class Run:
    service: str
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[tuple[str, str, int, str], Finding] = field(default_factory=dict)
    # (METHOD /path, status) answered but not declared: reported, not failed (a route
    # declares no other statuses than its success one yet).
    undeclared: set[tuple[str, int]] = field(default_factory=set)


@dataclass(frozen=True)
class Known:
    """A finding that a pending change elsewhere fixes: the only exclusions, each with its
    reason. ``None`` matches any service or operation. A known finding that no longer
    happens is reported, not failed (like a non-strict xfail)."""

    service: str | None
    operation: str | None
    status: int
    check: str
    reason: str

    def matches(self, finding: Finding) -> bool:
        return (
            self.service in (None, finding.service)
            and self.operation in (None, finding.operation)
            and (self.status, self.check) == (finding.status, finding.check)
        )


# Findings not fixed yet, each with its reason; none is left (the local gateway's routing of
# ';' and encoded '/' in path parameters, the last one, is fixed).
KNOWN: tuple[Known, ...] = ()


def _shape(case: Any) -> str:
    """What was sent, short (dev tokens and long values left out)."""
    parts = {"path": case.path_parameters, "query": case.query, "body": case.body}
    sent = {k: v for k, v in parts.items() if v not in (None, {}, NOT_SET)}
    text = json.dumps(sent, default=repr, ensure_ascii=True)
    return text if len(text) <= 300 else text[:297] + "..."


def _known(finding: Finding) -> Known | None:
    return next((known for known in KNOWN if known.matches(finding)), None)


def _examples(operations: int) -> int:
    per = BUDGET // max(1, operations * len(ROLES) * len(MODES))
    return max(MIN_EXAMPLES, min(MAX_EXAMPLES, per))


def _seed(stack: LocalStack, names: set[str], admin: dict[str, str]) -> dict[str, str]:
    """A fresh contact (and a ticket on it) for the path parameters an operation names."""
    if not names & {"contact_id", "ticket_id"}:
        return {}
    email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    contact = {"email": email, "first_name": "Fuzz", "last_name": "Seed"}
    created = stack.session.post(f"{stack.url}/contacts", json=contact, headers=admin, timeout=30)
    created.raise_for_status()
    ids = {"contact_id": str(created.json()["id"])}
    if "ticket_id" in names:
        ticket = {"contact_id": ids["contact_id"], "subject": "Fuzz", "description": "A seeded ticket"}
        opened = stack.session.post(f"{stack.url}/service-desk/tickets", json=ticket, headers=admin, timeout=30)
        opened.raise_for_status()
        ids["ticket_id"] = str(opened.json()["id"])
    return ids if names <= set(ids) else {}


def fuzz(stack: LocalStack, service: str) -> Run:
    prefix = "/" + service.replace("_", "-")
    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    schema = schemathesis.openapi.from_url(f"{stack.url}{prefix}/openapi.json", headers=admin, timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    examples = _examples(len(operations))
    run = Run(service)
    session = requests.Session()
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        for role in ROLES:
            headers = {"Authorization": f"Bearer {stack.token(role)}"}
            for mode in MODES:
                _fuzz_operation(stack.url + prefix, operation, mode, headers, examples, session, run)
            if seeded := _seed(stack, names, admin):
                positive = GenerationMode.POSITIVE
                _fuzz_operation(stack.url + prefix, operation, positive, headers, examples, session, run, seeded)
    return run


def _fuzz_operation(
    base_url: str,
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    examples: int,
    session: requests.Session,
    run: Run,
    path_parameters: dict[str, str] | None = None,
) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def one(case: Any) -> None:
        # The security scheme makes schemathesis send a made-up bearer token: send the role's.
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=base_url, session=session, timeout=30)
        run.requests += 1
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        if str(response.status_code) not in operation.definition.raw.get("responses", {}):
            run.undeclared.add((operation.label, response.status_code))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (FailureGroup, Failure) as failed:
            failures = list(failed.exceptions) if isinstance(failed, FailureGroup) else [failed]
            for failure in failures:
                finding = Finding(
                    run.service,
                    operation.definition.raw.get("operationId", operation.label),
                    operation.label,
                    response.status_code,
                    failure.title,
                    _shape(case),
                )
                run.findings.setdefault(finding.key, finding)

    one()


@pytest.mark.parametrize("service", existing_services())
def test_fuzz_service(stack: LocalStack, service: str, record_property: Any) -> None:
    started = time.perf_counter()
    run = fuzz(stack, service)
    seconds = time.perf_counter() - started
    known = {k: (f, why) for k, f in run.findings.items() if (why := _known(f))}
    new = {k: f for k, f in run.findings.items() if k not in known}
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(run.statuses.items()))
    lines = [f"{service}: {run.requests} requests in {seconds:.0f}s ({statuses})"]
    lines += [
        f"  known  {f.label} -> {f.status} {f.check} ({why.reason.split(':')[0]}); e.g. {f.example}"
        for f, why in known.values()
    ]
    lines += [f"  NEW    {f.label} -> {f.status} {f.check}; e.g. {f.example}" for f in new.values()]
    matched = {why for _, why in known.values()}
    gone = [k for k in KNOWN if k.service in (None, service) and k not in matched]
    lines += [f"  not seen (fixed?) {k.operation or '*'} -> {k.status} {k.check}" for k in gone if k.service]
    lines += [f"  note   {label} answered {status}, undeclared" for label, status in sorted(run.undeclared)]
    record_property("fuzz", "\n".join(lines))
    assert run.requests > 0
    assert not new, "\n".join(lines)
