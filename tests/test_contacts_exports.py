"""CSV exports end to end: a filter and a segment exported by export_worker (SQS event
source on the local stack), downloaded through the presigned URL from the emulator's S3."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest

from tests.e2e import eventually, headers

pytestmark = pytest.mark.e2e


def _post(stack: Any, path: str, body: dict[str, Any], role: str = "admin") -> Any:
    return stack.session.post(f"{stack.url}{path}", json=body, headers=headers(stack, role))


def _export(stack: Any, body: dict[str, Any]) -> list[list[str]]:
    """Request an export as a marketer, wait for it, download it: the CSV's rows."""
    created = _post(stack, "/contacts/exports", body, role="marketer")
    assert created.status_code == 202, created.text
    assert created.json()["status"] in ("queued", "running", "completed")
    location = created.headers["Location"]
    assert location == f"/contacts/exports/{created.json()['id']}"

    def completed() -> dict[str, Any] | None:
        job: dict[str, Any] = stack.session.get(f"{stack.url}{location}", headers=headers(stack, "marketer")).json()
        assert job["status"] != "failed", job
        return job if job["status"] == "completed" else None

    job = eventually(completed, timeout=60, interval=0.25)
    download = stack.session.get(job["download_url"], timeout=10)
    assert download.status_code == 200, download.text
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8"))))
    assert job["rows"] == len(rows) - 1
    return rows


def test_a_filter_and_a_segment_export_to_csv(stack: Any) -> None:
    tag = f"exp{uuid.uuid4().hex[:8]}"
    # Given a segment of the tagged contacts (membership follows contacts' events) ...
    segment = _post(
        stack,
        "/contacts/segments",
        {"name": tag, "rules": {"field": "tags", "op": "contains", "value": tag}},
        "marketer",
    )
    assert segment.status_code == 201, segment.text
    segment_id = segment.json()["id"]
    # ... and three contacts, two of them tagged, one with a name that needs quoting
    people = [
        {"email": f"{tag}-ann@example.com", "first_name": "Ann", "last_name": "Lee", "tags": [tag, "vip"]},
        {"email": f"{tag}-bob@example.com", "first_name": "Bob", "last_name": 'O\'Neil, "Jr"', "tags": [tag]},
        {"email": f"{tag}-cy@example.com", "first_name": "Cy", "last_name": "Moe", "tags": ["other"]},
    ]
    for person in people:
        response = _post(stack, "/contacts", {**person, "address": {"city": "Paris"}})
        assert response.status_code == 201, response.text

    # When the tag's contacts are exported by filter, then the file holds exactly them
    columns = ["email", "first_name", "last_name", "tags", "city"]
    assert _export(stack, {"filter": {"tag": tag}, "columns": columns}) == [
        columns,
        [f"{tag}-ann@example.com", "Ann", "Lee", f"{tag};vip", "Paris"],
        [f"{tag}-bob@example.com", "Bob", 'O\'Neil, "Jr"', tag, "Paris"],
    ]

    # When the segment has its members and is exported, then the file holds its members
    def members() -> bool:
        found = stack.session.get(f"{stack.url}/contacts/segments/{segment_id}", headers=headers(stack, "marketer"))
        return bool(found.json()["member_count"] == 2)

    eventually(members, timeout=60, interval=0.25)
    rows = _export(stack, {"segment_id": segment_id, "columns": ["email", "last_name"]})
    assert rows[0] == ["email", "last_name"]
    assert sorted(rows[1:]) == [[f"{tag}-ann@example.com", "Lee"], [f"{tag}-bob@example.com", 'O\'Neil, "Jr"']]
