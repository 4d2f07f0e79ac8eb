"""In-memory fake of fields.usecases.FieldDefs, honest about FieldRepository: a name is
defined once (Conflict naming the field)."""

from __future__ import annotations

from contacts.fields.models import FieldDef
from shared.errors import Conflict


class FakeFieldDefs:
    def __init__(self) -> None:
        self.defs: dict[str, FieldDef] = {}

    def field_defs(self) -> list[FieldDef]:
        return list(self.defs.values())

    def add_field_def(self, definition: FieldDef) -> FieldDef:
        if definition.name in self.defs:
            raise Conflict(
                f"custom field {definition.name} exists", errors=[{"field": "name", "message": "already defined"}]
            )
        self.defs[definition.name] = definition
        return definition
