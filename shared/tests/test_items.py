"""shared.items: a domain model to its item and back, through a real (moto) table."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Colour(StrEnum):
    RED = "red"


class Thing(BaseModel):
    id: str
    colour: Colour
    seen_at: datetime
    note: str | None = None
    version: int = Field(default=0, exclude=True)  # kept out of API bodies, stored all the same
    not_stored: str = "api only"


def test_a_model_is_stored_with_the_fields_its_item_declares_and_read_back_whole(table: str) -> None:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

    from shared.items import KeyedItem, fields_of, item_of
    from shared.table import table_meta

    class ThingItem(KeyedItem):
        Meta = table_meta("kernel")
        colour = UnicodeAttribute()
        seen_at = UTCDateTimeAttribute()
        note = UnicodeAttribute(null=True)
        version = NumberAttribute()
        label = UnicodeAttribute()

    # Given a thing with an enum, a time, an empty optional field and an excluded version
    thing = Thing(id="t1", colour=Colour.RED, seen_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), version=7)
    # When it is saved through item_of (with one attribute the model does not have) and read back
    item_of(ThingItem, "THING#t1", "THING", thing, label="first").save()
    stored = ThingItem.get("THING#t1", "THING", consistent_read=True)
    # Then the item holds the declared attributes only, the version included
    assert fields_of(stored) == {"colour": "red", "seen_at": thing.seen_at, "version": 7, "label": "first"}
    # And the model validates back from them, its id from the key
    again = Thing.model_validate({**fields_of(stored), "id": stored.pk.removeprefix("THING#")})
    assert again == thing
