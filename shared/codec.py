"""DynamoDB attribute values <-> plain Python values: the one codec of every repository
that talks to the low-level client (transactions with ADD counters, batch reads, items
read whatever wrote them). boto3's TypeSerializer would cost boto3's import on a cold
start for these forty lines.

The number rule: a number comes back as ``int`` when it is integral and as ``Decimal``
otherwise. Counts, versions and epoch seconds are plain ints (no ``Decimal(3)`` leaking
into comparisons, JSON or f-strings); amounts keep every digit DynamoDB stored (a float
would turn 19.99 into 19.989999...). Writing accepts int, Decimal and finite floats
(written as their shortest repr). ``jsonable`` is the one lossy step, for JSON only.

Sets come back as Python sets (so an item round-trips); ``jsonable`` sorts them into lists.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

Item = dict[str, Any]


def number(text: str) -> int | Decimal:
    """A DynamoDB number (its string form) by the rule above."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else value


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"DynamoDB cannot store {value}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise TypeError(f"DynamoDB cannot store {value}")
    return str(value)


def _set_av(value: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if not value:
        raise TypeError("DynamoDB cannot store an empty set")
    if all(isinstance(v, str) for v in value):
        return {"SS": sorted(value)}
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in value):
        return {"NS": sorted(_number_text(v) for v in value)}
    if all(isinstance(v, bytes) for v in value):
        return {"BS": sorted(value)}
    raise TypeError("a set must hold only strings, only numbers or only bytes")


def to_av(value: Any) -> dict[str, Any]:  # noqa: PLR0911 - one return per DynamoDB type
    """One attribute value (``{"S": ...}``, ``{"N": ...}``, ...) for a plain value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number_text(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": value}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_av(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_av(v) for v in value]}
    if isinstance(value, set | frozenset):
        return _set_av(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def to_item(values: Mapping[str, Any], *, omit_none: bool = False) -> Item:
    """An item for the low-level client; ``omit_none`` leaves out attributes that are None
    (absent rather than NULL, so a sparse index or ``attribute_not_exists`` sees them absent)."""
    return {k: to_av(v) for k, v in values.items() if not (omit_none and v is None)}


def from_av(av: Mapping[str, Any]) -> Any:  # noqa: PLR0911 - one return per DynamoDB type
    """The plain value of one attribute value."""
    (kind, value), *_ = av.items()
    if kind == "NULL":
        return None
    if kind in ("S", "BOOL"):
        return value
    if kind == "N":
        return number(value)
    if kind == "B":
        return _bytes(value)
    if kind == "M":
        return {k: from_av(v) for k, v in value.items()}
    if kind == "L":
        return [from_av(v) for v in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {number(v) for v in value}
    if kind == "BS":
        return {_bytes(v) for v in value}
    raise TypeError(f"unknown attribute type {kind}")


def _bytes(value: bytes | str) -> bytes:
    # botocore hands back bytes; a stream record or a JSON dump carries base64 text.
    return value if isinstance(value, bytes) else base64.b64decode(value)


def from_item(item: Mapping[str, Any] | None) -> Item | None:
    """A low-level item as plain values (None stays None: a get_item that found nothing)."""
    return None if item is None else {k: from_av(v) for k, v in item.items()}


def jsonable(value: Any) -> Any:
    """Plain values made JSON-friendly: Decimal -> int or float, bytes -> base64, sets ->
    sorted lists (an export, a response body)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=lambda v: (str(type(v)), v))
    return value
