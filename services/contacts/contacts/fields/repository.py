"""Custom field definitions in the contacts table (FIELDDEF / <name>): the only module of
the fields feature that talks to DynamoDB."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.models import Model

from contacts import SERVICE
from contacts.fields.models import FieldDef
from contacts.table.keys import FIELDDEF_PK
from shared.errors import Conflict
from shared.table import is_conditional_failure, table_meta


class FieldDefItem(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # FIELDDEF
    sk = UnicodeAttribute(range_key=True)  # <name>
    definition = JSONAttribute()


class FieldRepository:
    def field_defs(self) -> list[FieldDef]:
        return [FieldDef.model_validate(i.definition) for i in FieldDefItem.query(FIELDDEF_PK, consistent_read=True)]

    def add_field_def(self, definition: FieldDef) -> FieldDef:
        item = FieldDefItem(pk=FIELDDEF_PK, sk=definition.name, definition=definition.model_dump(mode="json"))
        try:
            item.save(condition=FieldDefItem.sk.does_not_exist())
        except Exception as exc:
            if is_conditional_failure(exc):
                raise Conflict(
                    f"custom field {definition.name} exists",
                    errors=[{"field": "name", "message": "already defined"}],
                ) from None
            raise
        return definition
