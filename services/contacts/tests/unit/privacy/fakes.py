"""In-memory fakes of privacy's ports (usecases.ConsentStore, usecases.PrivacyStore), honest
about what ConsentRepository and PrivacyRepository guarantee:

- consent is recorded only on a live contact (False otherwise, nothing written); the
  records are append-only and read newest first; the state holds the latest per key;
- ``seal`` succeeds once per contact (a tombstone already there: False) and removes the
  profile or a deleted contact's marker; ``purge`` keeps the profile, the DELETED marker,
  SEGMENTS and the tombstone; ``commit_metrics`` is conditional on the
  version read (VersionConflict otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contacts.history.merge import MetricsCommit
from contacts.history.metrics import Metrics
from contacts.history.usecases import VersionConflict
from contacts.privacy.models import ConsentEntry, Deleted, state_key
from shared.events import Outgoing


class FakeConsentStore:
    def __init__(self, *live: str) -> None:
        self.live = set(live)
        self.states: dict[str, dict[str, dict[str, Any]]] = {}
        self.records: dict[str, list[ConsentEntry]] = {}
        self.events: list[Outgoing] = []

    def record(self, contact_id: str, entry: ConsentEntry, event: Outgoing) -> bool:
        if contact_id not in self.live:
            return False
        self.records.setdefault(contact_id, []).append(entry)
        value = {"granted": entry.granted, "at": entry.at.isoformat(), "source": entry.source}
        self.states.setdefault(contact_id, {})[state_key(entry.channel, entry.purpose)] = value
        self.events.append(event)
        return True

    def state(self, contact_id: str) -> dict[str, dict[str, Any]] | None:
        if contact_id not in self.live:
            return None
        return dict(self.states.get(contact_id, {}))

    def history(self, contact_id: str, limit: int, cursor: str | None) -> tuple[list[ConsentEntry], str | None]:
        newest_first = list(reversed(self.records.get(contact_id, [])))
        start = int(cursor) if cursor else 0
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        return page, str(start + limit) if more else None


KEEP = {"PROFILE", "DELETED", "SEGMENTS", "ERASED"}


class FakePrivacyStore:
    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {}  # contact id -> items (sk + values)
        self.keys: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}  # records' claims + index keys
        self.held: dict[str, set[str]] = {}  # claim / index keys present, per contact
        self.tombstones: dict[str, datetime] = {}
        self.suppressed: set[str] = set()
        self.stored_metrics: dict[str, Metrics] = {}
        self.commits: list[MetricsCommit] = []
        self.events: list[Outgoing] = []
        self.steps: list[str] = []
        self.sealed_by_someone_else: datetime | None = None

    def add_contact(
        self, contact_id: str, items: list[str], claims: list[str], index_keys: list[tuple[str, str]]
    ) -> None:
        self.items[contact_id] = [{"sk": "PROFILE", "email": "ada@example.com"}] + [{"sk": sk} for sk in items]
        self.keys[contact_id] = (claims, index_keys)
        self.held[contact_id] = set(claims) | {f"{pk}/{sk}" for pk, sk in index_keys}

    def delete_contact(self, contact_id: str, at: datetime, suppress: list[str]) -> None:
        """What records' delete does: profile, claims and index entries gone, the marker in."""
        self.held[contact_id] = set()
        items = [i for i in self.items.get(contact_id, []) if i["sk"] != "PROFILE"]
        self.items[contact_id] = [*items, {"sk": "DELETED", "deleted_at": at.isoformat(), "suppress": suppress}]

    def deleted(self, contact_id: str) -> Deleted | None:
        found = next((i for i in self.items.get(contact_id, []) if i["sk"] == "DELETED"), None)
        return Deleted.model_validate(found) if found else None

    def partition(self, contact_id: str) -> list[dict[str, Any]]:
        return [dict(i) for i in self.items.get(contact_id, [])]

    def profile(self, contact_id: str) -> dict[str, Any] | None:
        return next((dict(i) for i in self.items.get(contact_id, []) if i["sk"] == "PROFILE"), None)

    def tombstone(self, contact_id: str) -> datetime | None:
        return self.tombstones.get(contact_id)

    def held_keys(self, contact_id: str) -> tuple[list[str], list[tuple[str, str]]]:
        return self.keys.get(contact_id, ([], [])) if self.profile(contact_id) else ([], [])

    def release(self, contact_id: str, claims: list[str], index_keys: list[tuple[str, str]]) -> None:
        self.steps.append("release")
        held = self.held.get(contact_id, set())
        held -= set(claims) | {f"{pk}/{sk}" for pk, sk in index_keys}

    def purge(self, contact_id: str) -> int:
        self.steps.append("purge")
        before = self.items.get(contact_id, [])
        kept = [i for i in before if i["sk"] in KEEP]
        self.items[contact_id] = kept
        return len(before) - len(kept)

    def seal(
        self, contact_id: str, erased_at: datetime, event: Outgoing, emails: list[str], hashed: Sequence[str] = ()
    ) -> bool:
        self.steps.append("seal")
        if self.sealed_by_someone_else is not None:
            self.tombstones[contact_id] = self.sealed_by_someone_else
        if contact_id in self.tombstones:
            return False
        gone = {"PROFILE", "DELETED"}
        self.items[contact_id] = [i for i in self.items.get(contact_id, []) if i["sk"] not in gone]
        self.items[contact_id].append({"sk": "ERASED", "contact_id": contact_id, "erased_at": erased_at.isoformat()})
        self.tombstones[contact_id] = erased_at
        self.suppressed.update(emails, hashed)
        self.events.append(event)
        return True

    def metrics(self, contact_id: str) -> Metrics | None:
        return self.stored_metrics.get(contact_id)

    def commit_metrics(self, commit: MetricsCommit) -> None:
        self.steps.append("metrics")
        for move in commit.moves:
            current = self.stored_metrics.get(move.contact_id)
            if (current.version if current else 0) != move.version:
                raise VersionConflict(move.contact_id)
        for move in commit.moves:
            if move.after is None:
                self.stored_metrics.pop(move.contact_id, None)
            else:
                self.stored_metrics[move.contact_id] = move.after
        self.commits.append(commit)
