"""CloudFormation templates as the local stack reads them: YAML with short intrinsic tags
(``!Sub``, ``!GetAtt``, ``!Ref``...) and a resolver for the intrinsics our templates use.

Why not moto's CloudFormation: it crashes on some of the resources these templates
declare (and cannot run the Chalice functions anyway), so provisioning is done by
``infra.local.provision`` from the same files that deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
PARTITION = "aws"


class TemplateError(Exception):
    """The template uses something the local provisioner does not understand."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns ``!Tag value`` into the long form ``{"Fn::Tag": value}``."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise TemplateError(f"unexpected YAML node for !{suffix}")
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        # The short form is "Logical.Attribute"; the long form is a list.
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    loaded = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    return loaded if isinstance(loaded, dict) else {}


def parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    """Defaults from the template, replaced by the overrides the template declares."""
    declared: dict[str, Any] = template.get("Parameters") or {}
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in overrides:
            values[name] = overrides[name]
        elif isinstance(spec, dict) and "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default and no local override")
    return values


# Resolves a (logical id, attribute) pair; attribute None means Ref.
Lookup = Callable[[str, str | None], Any]

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against parameters, pseudo parameters and a lookup."""

    def __init__(self, parameters: dict[str, str], region: str, lookup: Lookup, stack_name: str = "local") -> None:
        self.values: dict[str, Any] = {
            **parameters,
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::StackName": stack_name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        self.lookup = lookup

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._functions().get(key)
            if handler is not None:
                return handler(arg)
        return {k: r for k, v in value.items() if (r := self.resolve(v)) is not None}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda a: str(self.resolve(a[0])).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(str(self.resolve(a[0]))),
            "Fn::ToJsonString": lambda a: json.dumps(self.resolve(a)),
            "Fn::ImportValue": lambda a: self.lookup(f"Export:{self.resolve(a)}", None),
        }

    def _ref(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        return self.lookup(name, None)

    def _get_att(self, arg: list[Any]) -> Any:
        logical, attribute = self.resolve(arg[0]), self.resolve(arg[1])
        return self.lookup(str(logical), str(attribute))

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, extra = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, extra = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in extra:
                return str(extra[name])
            if "." in name and name not in self.values:
                logical, attribute = name.split(".", 1)
                return str(self.lookup(logical, attribute))
            return str(self._ref(name))

        # "${!Literal}" escapes a literal "${Literal}".
        return _SUB_VAR.sub(replace, str(text)).replace("${!", "${")


def environment_variables(template: dict[str, Any], logical_id: str | None = None) -> dict[str, Any]:
    """The environment variables (unresolved) a template gives a function: its SAM
    ``Globals: Function: Environment: Variables``, overlaid with the function's own
    (``<LogicalId>: Properties: Environment: Variables``), as SAM merges them."""
    variables = dict(own_variables((template.get("Globals") or {}).get("Function") or {}))
    if logical_id is not None:
        resource = (template.get("Resources") or {}).get(logical_id) or {}
        variables.update(own_variables(resource.get("Properties") or {}))
    return variables


def own_variables(properties: dict[str, Any]) -> dict[str, Any]:
    """``Environment: Variables`` of a function's properties (or of Globals' Function)."""
    found: dict[str, Any] = (properties.get("Environment") or {}).get("Variables") or {}
    return found


def resolved_environment(resolver: Resolver, variables: dict[str, Any]) -> dict[str, str]:
    """Environment variables resolved to strings, as Lambda hands them to the function."""
    resolved = resolver.resolve(variables)
    return {name: str(value) for name, value in resolved.items() if value is not None}
