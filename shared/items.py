"""The base of every pynamodb item model: each service's one table is keyed ``pk``/``sk``
(shared.table). A model names its table with ``Meta = table_meta(SERVICE)`` and its keys'
shapes in its docstring (the service's key catalogue says which item owns which keys).

Its own module because it imports pynamodb at once: only repositories import it, and
they are imported on first use, not at a function's cold start.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model


class KeyedItem(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
