"""Field types shared by request models."""

from __future__ import annotations

import json
import operator
import re
from itertools import accumulate, count
from typing import Annotated, Any

from pydantic import AfterValidator, Field


def _email(value: str) -> str:
    # email-validator is imported on first use: it costs ~50 ms of a cold start otherwise.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


Email = Annotated[str, Field(max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)]


# --- free-form JSON ----------------------------------------------------------------------

# A JSON string, from its opening quote to its closing one (or to the end of the input:
# the pattern always matches, so a scan never backtracks).
_JSON_STRING = re.compile(rb'"(?:[^"\\]+|\\.?)*(?:"|$)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# An opening bracket steps 2, a closing one 0: the depth after n brackets is the sum - n.
_STEPS = bytes.maketrans(b"[]{}", b"\x02\x00\x02\x00")


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """True when the JSON text ``raw`` nests arrays/objects deeper than ``limit``: the
    brackets outside strings, counted before any parser recurses into them (linear, and in
    C: a few ms for 256 KiB of brackets)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    depths = map(operator.sub, accumulate(brackets.translate(_STEPS)), count(1))
    return max(depths) > limit


def _depth(value: Any) -> int:
    """How deep a parsed JSON value nests (a scalar is 0, ``{}`` 1), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_bounds(*, max_depth: int, max_bytes: int) -> AfterValidator:
    """Bounds of a free-form JSON field, its depth (the object itself is 1) and size (bytes
    of its compact JSON), for ``Annotated[dict[str, Any], json_bounds(...)]``: a 422 naming
    the field beyond them, never an error later when the value is stored, published or
    serialised (pydantic's serialiser refuses ~255 levels)."""

    def check(value: Any) -> Any:
        if _depth(value) > max_depth:
            raise ValueError(f"nests deeper than {max_depth} levels")
        if len(json.dumps(value, separators=(",", ":"), default=str)) > max_bytes:
            raise ValueError(f"is larger than {max_bytes} bytes as JSON")
        return value

    return AfterValidator(check)


# A client's free-form object (a rule tree, say): generous for any real one.
JsonObject = Annotated[dict[str, Any], json_bounds(max_depth=16, max_bytes=32 * 1024)]
