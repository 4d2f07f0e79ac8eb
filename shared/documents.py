"""One-item documents a service's admins replace whole (a loyalty program, its tiers):
stored as a JSON body with its version, read through a short cache (shared.cached), the
built-in default until first stored, and replaced only at the version read (``If-Match``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from shared.cached import Cached

DocT = TypeVar("DocT", bound=BaseModel)


class DocumentStore(Generic[DocT]):
    """``item`` is the table's document model (``body``, ``updated_at``, ``version``),
    ``key`` the document's pk/sk, ``default`` what it is before anyone stored it."""

    def __init__(self, item: Any, key: tuple[str, str], default: DocT, what: str, ttl: float = 10.0) -> None:
        self.item, self.key, self.default, self.what = item, key, default, what
        self._cache: Cached[DocT] = Cached(ttl)

    def _read(self) -> DocT:
        from pynamodb.exceptions import DoesNotExist

        try:
            stored = self.item.get(*self.key, consistent_read=True)
        except DoesNotExist:
            return self.default
        values = {**stored.body, "updated_at": stored.updated_at, "version": stored.version}
        return type(self.default).model_validate(values)

    def get(self, fresh: bool = False) -> DocT:
        return self._cache.get(self._read, fresh)

    def replace(self, data: BaseModel, if_match: int) -> DocT:
        """The document made of ``data``, stored if it is still at version ``if_match``
        (``0``: the default), else StaleVersion (409)."""
        from shared.errors import StaleVersion
        from shared.table import save_versioned

        current = self.get(fresh=True)
        version = getattr(current, "version", 0)
        if version != if_match:
            raise StaleVersion(f"{self.what} is at version {version}", current_version=version)
        updated_at = datetime.now(UTC)
        document = type(self.default).model_validate(
            {**data.model_dump(), "updated_at": updated_at, "version": version + 1}
        )
        body = document.model_dump(mode="json", exclude={"updated_at", "version"})
        stored = self.item(*self.key, body=body, updated_at=updated_at, version=version + 1)
        save_versioned(stored, if_match, self.what)
        self._cache.written()
        return document
