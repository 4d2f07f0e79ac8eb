"""A 10,000-row CSV import end to end: presigned upload to the emulator's S3, chunks
through SQS to import_worker, exact per-row results."""

from __future__ import annotations

from typing import Any

import pytest

from infra.bench_imports import make_csv, run_import
from tests.test_lead_flow import headers

pytestmark = pytest.mark.e2e


def test_ten_thousand_rows_with_duplicates_and_bad_rows_import_exactly(stack: Any) -> None:
    data, expected = make_csv(10_000, duplicates=200, bad=50)

    job, _ = run_import(stack, data)

    assert (job["total"], job["processed"]) == (10_000, 10_000)
    assert (job["created"], job["updated"], job["skipped"], job["errors"]) == (expected["created"], 0, 200, 50)
    rows, cursor = [], ""
    while True:
        page = stack.session.get(
            f"{stack.url}/contacts/imports/{job['id']}/rows?status=error&limit=100{cursor}",
            headers=headers(stack, "admin"),
        ).json()
        rows += page["items"]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert [r["row"] for r in rows] == expected["error_rows"]
    assert {e["field"] for r in rows for e in r["errors"]} == {"email"}
    skipped = stack.session.get(
        f"{stack.url}/contacts/imports/{job['id']}/rows?status=skipped&limit=100", headers=headers(stack, "admin")
    ).json()
    assert [r["row"] for r in skipped["items"]] == expected["skipped_rows"][:100]
