"""Custom fields: an admin defines them (``define_field``), and contact writes check their
values against the definitions (``validate_custom_fields``, pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Protocol

from contacts.fields.models import FieldDef, FieldDefIn, FieldType


def _check(definition: FieldDef, value: Any) -> tuple[Any, str | None]:  # noqa: PLR0911 - one per rule
    """(normalised value, None) or (None, what is wrong)."""
    kind = definition.type
    if kind is FieldType.BOOLEAN:
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if kind is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        if definition.min is not None and value < definition.min:
            return None, f"must be at least {definition.min:g}"
        if definition.max is not None and value > definition.max:
            return None, f"must be at most {definition.max:g}"
        return value, None
    if not isinstance(value, str):
        return None, "must be a string"
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "must be a date (YYYY-MM-DD)"
    if kind is FieldType.ENUM:
        return (value, None) if value in (definition.options or []) else (None, "must be one of the options")
    if definition.min is not None and len(value) < definition.min:
        return None, f"must be at least {definition.min:g} characters"
    if definition.max is not None and len(value) > definition.max:
        return None, f"must be at most {definition.max:g} characters"
    if definition.pattern is not None and not re.fullmatch(definition.pattern, value):
        return None, "does not match the field's pattern"
    return value, None


def validate_custom_fields(
    values: Mapping[str, Any], definitions: Iterable[FieldDef], *, complete: bool
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Normalised values and field errors (``custom_fields.<name>``).

    ``complete``: the values are the contact's whole set (create, or after a patch), so
    required fields must be present. A null value removes a field.
    """
    defs = {d.name: d for d in definitions}
    clean: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name, value in values.items():
        definition = defs.get(name)
        if definition is None:
            errors.append({"field": f"custom_fields.{name}", "message": "no such custom field"})
            continue
        if value is None:
            continue
        checked, problem = _check(definition, value)
        if problem:
            errors.append({"field": f"custom_fields.{name}", "message": problem})
        else:
            clean[name] = checked
    if complete:
        for name, definition in defs.items():
            if definition.required and name not in clean and not any(e["field"].endswith(f".{name}") for e in errors):
                errors.append({"field": f"custom_fields.{name}", "message": "is required"})
    return clean, errors


class FieldDefs(Protocol):
    def field_defs(self) -> list[FieldDef]: ...
    def add_field_def(self, definition: FieldDef) -> FieldDef: ...


def define_field(data: FieldDefIn, repo: FieldDefs) -> FieldDef:
    return repo.add_field_def(FieldDef.model_validate({**data.model_dump(), "created_at": datetime.now(UTC)}))
