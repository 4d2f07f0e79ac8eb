"""The history feature's schedule (bound by name in contacts/api.py)."""

from __future__ import annotations

from typing import Any


def rescore_recency(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Daily (resources.yaml RescoreRecency): recency decays with time, without any event."""
    from datetime import UTC, datetime

    from contacts.bootstrap import history_repository
    from contacts.history.recency import rescore_due

    return {"rescored": rescore_due(history_repository(), datetime.now(UTC).date())}
