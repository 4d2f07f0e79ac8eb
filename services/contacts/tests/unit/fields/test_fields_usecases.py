"""Custom field definitions: defining them, and contact writes checked against them."""

from __future__ import annotations

from contacts.fields.models import FieldDefIn
from contacts.fields.usecases import define_field, validate_custom_fields
from services.contacts.tests.unit.fields.fakes import FakeFieldDefs


def test_a_defined_field_is_checked_on_the_next_contact_write() -> None:
    # Given no custom fields
    repo = FakeFieldDefs()
    # When an admin defines a required enum
    made = define_field(FieldDefIn(name="tier", type="enum", options=["gold", "silver"], required=True), repo)
    # Then it is stored with its creation time
    assert made.created_at is not None and repo.field_defs() == [made]
    # ... and contact values are checked against it
    clean, errors = validate_custom_fields({"tier": "gold"}, repo.field_defs(), complete=True)
    assert clean == {"tier": "gold"} and errors == []
    _, errors = validate_custom_fields({}, repo.field_defs(), complete=True)
    assert errors == [{"field": "custom_fields.tier", "message": "is required"}]
    # ... but a patch's partial set need not repeat it
    assert validate_custom_fields({}, repo.field_defs(), complete=False) == ({}, [])
