"""CSV import speed through a running local stack: upload -> start -> completed, rows/s.
The CSV maker and the import driver are shared with tests/test_contacts_imports.py."""

from __future__ import annotations

import time
import uuid
from typing import Any

SIZES = (100_000,)
HEADER = "email,first_name,last_name,phone,country,tags"
# Each file gets numbers of its own area code: several imports into one stack (a bench
# run, the e2e tests) must not collide on phones, which are unique per contact.
AREA_CODES = ("415", "212", "312", "617", "206", "303", "512", "702", "808", "907")
_files = iter(range(1_000_000))


def make_csv(rows: int, duplicates: int = 0, bad: int = 0, tag: str | None = None) -> tuple[bytes, dict[str, Any]]:
    """``rows`` data rows: the last ``duplicates`` repeat earlier emails, ``bad`` rows
    (spread through the file) have an invalid email. Returns the file and what to expect."""
    tag = tag or uuid.uuid4().hex[:8]
    area = AREA_CODES[next(_files) % len(AREA_CODES)]
    lines = [HEADER]
    unique = rows - duplicates  # bad rows sit among the unique ones, before the duplicates
    bad_rows = {1 + i * (unique // max(bad, 1)) for i in range(bad)}
    emails: list[str] = []
    expected: dict[str, Any] = {"error_rows": sorted(bad_rows), "skipped_rows": []}
    for n in range(1, rows + 1):
        if n in bad_rows:
            lines.append(f"broken-{n},Bad,Row,,,{tag}")
            continue
        if n > rows - duplicates:
            email = emails[n % 100]
            expected["skipped_rows"].append(n)
        else:
            email = f"imp-{tag}-{n}@example.com"
            emails.append(email)
        lines.append(f"{email},First{n},Last{n},+1{area}{n:07d},US,{tag};import")
    expected["created"] = rows - duplicates - bad
    return ("\n".join(lines) + "\n").encode(), expected


def run_import(stack: Any, data: bytes, timeout: float = 600.0, start: bool = True) -> tuple[dict[str, Any], float]:
    """Upload, start (or let the upload's S3 event start it), wait until completed.
    Returns the final job and the seconds taken."""
    session = stack.session
    hdrs = {"Authorization": f"Bearer {stack.token('admin')}", "Content-Type": "application/json"}
    job = session.post(f"{stack.url}/contacts/imports", headers=hdrs).json()
    upload = session.put(job["upload_url"], data=data, headers={"Content-Type": "text/csv"})
    assert upload.status_code == 200, upload.text
    started = time.monotonic()
    if start:
        response = session.post(f"{stack.url}/contacts/imports/{job['id']}/start", headers=hdrs)
        assert response.status_code == 202, response.text
    deadline = started + timeout
    while time.monotonic() < deadline:
        progress: dict[str, Any] = session.get(f"{stack.url}/contacts/imports/{job['id']}", headers=hdrs).json()
        if progress["status"] == "completed":
            return progress, time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"import not completed within {timeout}s: {progress}")


def run(stack: Any, sizes: tuple[int, ...] = SIZES) -> list[tuple[str, ...]]:
    """Rows for a table: (what, seconds, rows/s). Each import is of fresh emails."""
    rows: list[tuple[str, ...]] = []
    for size in sizes:
        data, _ = make_csv(size)
        job, seconds = run_import(stack, data, timeout=3600)
        assert job["created"] == size, job
        rows.append((f"import {size:,} rows", f"{seconds:.1f}", f"{size / seconds:,.0f}"))
    return rows


if __name__ == "__main__":
    import sys
    import tempfile
    from pathlib import Path

    from infra.local.launch import running_stack

    sizes = tuple(int(a) for a in sys.argv[1:]) or SIZES
    with tempfile.TemporaryDirectory() as work, running_stack(Path(work)) as stack:
        for row in run(stack, sizes):
            print(" | ".join(row))
