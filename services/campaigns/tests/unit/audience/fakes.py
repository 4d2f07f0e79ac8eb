"""An in-memory audience store with the repository's rules: versioned writes, the erased mark
checked on each write, membership items following their recipient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from campaigns.audience.models import Recipient, RecipientState
from campaigns.audience.usecases import Change


class FakeAudience:
    def __init__(self) -> None:
        self.states: dict[str, RecipientState] = {}
        self.members_of: dict[str, set[str]] = {}
        self.erased: set[str] = set()
        self.commits = 0
        # Called before a commit is checked (a concurrent writer getting in first).
        self.before_commit: Callable[[], None] | None = None

    def state(self, contact_id: str) -> RecipientState | None:
        state = self.states.get(contact_id)
        if contact_id in self.erased:
            return (state or RecipientState(recipient=Recipient(contact_id=contact_id))).model_copy(
                update={"erased": True}
            )
        return state

    def commit(self, changes: list[Change]) -> bool:
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook()
        for change in changes:
            contact_id = change.after.contact_id
            held = self.states.get(contact_id)
            expected = 0 if change.before is None else change.before.version
            if (held.version if held else 0) != expected or contact_id in self.erased:
                return False
        for change in changes:
            after = change.after
            had = set(change.before.segment_ids()) if change.before else set()
            for sid in set(after.segment_ids()) - had:
                self.members_of.setdefault(sid, set()).add(after.contact_id)
            for sid in had - set(after.segment_ids()):
                self.members_of.get(sid, set()).discard(after.contact_id)
            self.states[after.contact_id] = after
        self.commits += 1
        return True

    def forget(self, state: RecipientState) -> None:
        for sid in state.segment_ids():
            self.members_of.get(sid, set()).discard(state.contact_id)
        self.states.pop(state.contact_id, None)

    def members(
        self, segment_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        ids = sorted(self.members_of.get(segment_id, set()))
        offset = int(start["offset"]) if start else 0
        page = ids[offset : offset + limit]
        more = offset + limit < len(ids)
        return page, {"offset": offset + limit} if more else None

    def recipients(self, contact_ids: list[str]) -> dict[str, Recipient]:
        assert len(contact_ids) <= 100
        return {cid: r for cid in contact_ids if (r := self.recipient(cid)) is not None}

    def recipient(self, contact_id: str) -> Recipient | None:
        state = self.states.get(contact_id)
        return None if state is None or state.merged_into else state.recipient
