"""Consumer-driven contract checks between the services, from code and templates only.

For every consumer model in a service's SUBSCRIPTIONS: a rule in its resources.yaml routes the
detail-type from the bus, some service publishes it under a source that rule matches, and
the producer's schema carries every field the consumer requires with a JSON type the
consumer accepts. A producer that renames, drops or retypes a field fails here before it
fails in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.schemas import Published, published
from infra.services import SERVICES, Rule, consumes_of, existing_services, rules_of

BUS = {"Fn::Sub": "crm-${Stage}"}


@dataclass(frozen=True)
class Binding:
    """One consumer model bound to one producer event by one rule."""

    consumer: str
    detail_type: str
    model: Any
    rule: Rule
    producer: Published


def bindings() -> tuple[list[Binding], list[str]]:
    """Every (consumer, producer) pair the rules connect, and what could not be bound."""
    events = published()
    found: list[Binding] = []
    problems: list[str] = []
    for consumer in existing_services():
        consumes = consumes_of(consumer)
        rules = rules_of(consumer)
        for detail_type, models in sorted(consumes.items()):
            routing = [r for r in rules if any(_literal_or_prefix(m, detail_type) for m in r.detail_types)]
            if not routing:
                problems.append(f"{consumer}: consumes {detail_type} but no rule in its resources.yaml routes it")
                continue
            for rule in routing:
                producers = [e for e in events if e.detail_type == detail_type and rule.matches(e.source, detail_type)]
                if producers:
                    found.extend(Binding(consumer, detail_type, m, rule, p) for p in producers for m in models)
                elif _internal(rule):
                    problems.append(
                        f"{consumer}: rule {rule.name} expects {detail_type} from {list(rule.sources)},"
                        " but no service publishes it"
                    )
        for rule in rules:
            problems.extend(_rule_problems(consumer, rule, consumes))
    return found, problems


def _literal_or_prefix(matcher: Any, value: str) -> bool:
    return Rule("", "", (), (matcher,), None).matches("", value)


def _internal(rule: Rule) -> bool:
    """True when the rule listens to CRM services (partners' events have no schema here)."""
    return any(isinstance(s, str) and s.removeprefix("crm.") in SERVICES for s in rule.sources)


def _rule_problems(consumer: str, rule: Rule, consumes: dict[str, Any]) -> list[str]:
    problems = []
    if rule.bus != BUS:
        problems.append(f"{consumer}: rule {rule.name} is on {rule.bus!r}, not the stage's bus {BUS!r}")
    if not rule.sources:
        problems.append(f"{consumer}: rule {rule.name} matches every source (name the producers)")
    for matcher in rule.detail_types:
        if isinstance(matcher, str) and matcher not in consumes:
            problems.append(f"{consumer}: rule {rule.name} routes {matcher}, which no subscription handles")
    return problems


def compatibility(binding: Binding) -> list[str]:
    """Fields the consumer needs that the producer does not send as the consumer reads them."""
    producer = binding.producer.schema()
    data = _resolve(producer["properties"]["data"], producer)
    consumer = binding.model.model_json_schema()
    where = f"{binding.consumer} reads {binding.producer.key}"
    return [f"{where}: {p}" for p in _compare(data, producer, consumer, consumer, "data")]


def problems() -> list[str]:
    found, unbound = bindings()
    return unbound + [p for b in found for p in compatibility(b)]


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``#/$defs/...`` references (pydantic's only kind)."""
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema admits; None means any."""
    schema = _resolve(schema, root)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            parts = [_types(s, root) for s in schema[combinator]]
            if any(p is None for p in parts):
                return None
            return set().union(*(p for p in parts if p is not None))
    if "const" in schema:
        return {_json_type(schema["const"])}
    if "enum" in schema:
        return {_json_type(v) for v in schema["enum"]}
    declared = schema.get("type")
    if declared is None:
        return None
    return set(declared) if isinstance(declared, list) else {declared}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def _accepts(consumer: set[str] | None, producer: set[str] | None) -> bool:
    if consumer is None:
        return True
    if producer is None:
        return False
    return all(t in consumer or (t == "integer" and "number" in consumer) for t in producer)


def _branch(schema: dict[str, Any], root: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The non-null member of ``X | None`` of the given JSON type, for recursing into it."""
    schema = _resolve(schema, root)
    if schema.get("type") == kind:
        return schema
    for member in schema.get("anyOf", []):
        resolved = _resolve(member, root)
        if resolved.get("type") == kind:
            return resolved
    return None


def _compare(
    produced: dict[str, Any], p_root: dict[str, Any], consumed: dict[str, Any], c_root: dict[str, Any], path: str
) -> list[str]:
    """Producer schema vs consumer schema at one location, recursively."""
    p_types, c_types = _types(produced, p_root), _types(consumed, c_root)
    if not _accepts(c_types, p_types):
        return [f"{path} is {_show(p_types)} but is read as {_show(c_types)}"]
    issues = []
    p_enum, c_enum = _resolve(produced, p_root).get("enum"), _resolve(consumed, c_root).get("enum")
    if c_enum is not None and (p_enum is None or set(map(str, p_enum)) - set(map(str, c_enum))):
        extra = sorted(set(map(str, p_enum)) - set(map(str, c_enum))) if p_enum else "any value"
        issues.append(f"{path} may be {extra}, which the consumer's enum rejects")
    p_obj, c_obj = _branch(produced, p_root, "object"), _branch(consumed, c_root, "object")
    if p_obj is not None and c_obj is not None:
        p_props, c_props = p_obj.get("properties", {}), c_obj.get("properties", {})
        for name in sorted(c_obj.get("required", [])):
            if name not in p_props:
                issues.append(f"{path}.{name} is required by the consumer but the producer has no such field")
        for name, c_field in sorted(c_props.items()):
            if name in p_props:
                issues += _compare(p_props[name], p_root, c_field, c_root, f"{path}.{name}")
    p_arr, c_arr = _branch(produced, p_root, "array"), _branch(consumed, c_root, "array")
    if p_arr is not None and c_arr is not None and "items" in c_arr:
        issues += _compare(p_arr.get("items", {}), p_root, c_arr["items"], c_root, f"{path}[]")
    return issues


def _show(types: set[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))
