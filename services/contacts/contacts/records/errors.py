"""Domain errors of contact records (the HTTP edge maps them by type: shared.http)."""

from __future__ import annotations

from shared.errors import Conflict, Problem


class DuplicateContact(Conflict):
    """Another live contact holds this email or phone (``existing_id`` names it)."""

    type_ = "https://crm.example.com/problems/duplicate-contact"


class StaleVersion(Conflict):
    """If-Match named a version that is no longer current: read again, then retry."""

    type_ = "https://crm.example.com/problems/stale-version"


class PreconditionRequired(Problem):
    """428: an update must say which version it read (If-Match), so it cannot lose another's change."""

    status, title = 428, "Precondition Required"
