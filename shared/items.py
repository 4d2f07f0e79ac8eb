"""The base of every pynamodb item model: each service's one table is keyed ``pk``/``sk``
(shared.table). A model names its table with ``Meta = table_meta(SERVICE)`` and its keys'
shapes in its docstring (the service's key catalogue says which item owns which keys).

Its own module because it imports pynamodb at once: only repositories import it, and
they are imported on first use, not at a function's cold start.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model


class KeyedItem(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


ItemT = TypeVar("ItemT", bound=KeyedItem)


def item_of(model: type[ItemT], pk: str, sk: str, values: BaseModel, **extra: Any) -> ItemT:
    """An item of ``model`` at ``pk``/``sk`` holding the fields of ``values`` that the model
    declares as attributes (``extra`` adds or overrides some): the one mapping from a domain
    model to its item, instead of a field-by-field copy in every repository."""
    # Read off the attributes, not model_dump: fields kept out of API bodies (exclude=True,
    # e.g. a version) are stored all the same.
    names = (model.get_attributes().keys() - {"pk", "sk"}) & type(values).model_fields.keys()
    return model(pk, sk, **{**{name: getattr(values, name) for name in names}, **extra})


def fields_of(item: Model) -> dict[str, Any]:
    """The item's attributes but its keys: what a domain model validates from
    (``Ticket.model_validate({**fields_of(item), "id": ...})``)."""
    return {name: value for name, value in item.attribute_values.items() if name not in ("pk", "sk")}
