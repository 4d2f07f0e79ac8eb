"""The segments feature's schedule (bound by name in contacts/api.py)."""

from __future__ import annotations

from typing import Any


def segments_due(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Daily (resources.yaml SegmentsDue): segment rules that time alone changes."""
    from datetime import UTC, datetime

    from contacts.bootstrap import segment_store
    from contacts.segments.due import reevaluate_due

    return {"moves": reevaluate_due(segment_store(), datetime.now(UTC))}
