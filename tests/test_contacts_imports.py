"""A 10,000-row CSV import end to end: presigned upload to the emulator's S3, chunks
through SQS to import_worker (several at once), exact per-row results for every row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.bench_imports import make_csv, run_import
from infra.local.launch import LocalStack, running_stack
from tests.e2e import headers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """This module's own stack (named like the session's, so a failure attaches its output):
    moto answers a Query on an index by walking the whole table, so on the session's stack
    the 20,000 imported contacts would slow every later test's index reads."""
    with running_stack(tmp_path_factory.mktemp("import-stack")) as running:
        yield running


ROWS, DUPLICATES, BAD = 10_000, 120, 50


def rows_of(stack: Any, import_id: str, status: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = stack.session.get(
            f"{stack.url}/contacts/imports/{import_id}/rows?status={status}&limit=100{cursor}",
            headers=headers(stack, "admin"),
        ).json()
        rows += page["items"]
        if not page["next_cursor"]:
            return rows
        cursor = f"&cursor={page['next_cursor']}"


def test_rows_with_duplicates_and_bad_rows_import_exactly(stack: Any) -> None:
    data, expected = make_csv(ROWS, duplicates=DUPLICATES, bad=BAD)

    job, _ = run_import(stack, data, timeout=600)

    assert (job["total"], job["processed"]) == (ROWS, ROWS)
    assert (job["created"], job["updated"], job["skipped"], job["errors"]) == (expected["created"], 0, DUPLICATES, BAD)
    errors = rows_of(stack, job["id"], "error")
    assert [r["row"] for r in errors] == expected["error_rows"]
    assert {e["field"] for r in errors for e in r["errors"]} == {"email"}
    skipped = rows_of(stack, job["id"], "skipped")
    assert [r["row"] for r in skipped] == expected["skipped_rows"]
    assert all("duplicate of row" in r["errors"][0]["message"] for r in skipped)
    created = rows_of(stack, job["id"], "created")
    assert sorted(r["row"] for r in created) == sorted(
        set(range(1, ROWS + 1)) - set(expected["error_rows"]) - set(expected["skipped_rows"])
    )
    assert len({r["contact_id"] for r in created}) == expected["created"]


def test_a_second_import_of_the_same_rows_updates_them(stack: Any) -> None:
    data, expected = make_csv(600, bad=5)
    # The first is started by its upload alone (S3 notification -> uploads queue)
    first, _ = run_import(stack, data, timeout=300, start=False)
    again, _ = run_import(stack, data.replace(b",US,", b",CA,"), timeout=300)

    assert first["created"] == expected["created"]
    assert (again["created"], again["updated"], again["errors"]) == (0, expected["created"], 5)
    updated = rows_of(stack, again["id"], "updated")
    one = stack.session.get(f"{stack.url}/contacts/{updated[0]['contact_id']}", headers=headers(stack, "admin")).json()
    assert one["address"]["country"] == "CA"
