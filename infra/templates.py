"""CloudFormation templates for the tools: load (short intrinsic tags included), merge the
way ``chalice package --merge-template`` does, and lint with cfn-lint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "us-east-1"

# cfn-lint rules we switch off, each with the reason. Empty today: chalice 1.34's own
# output lints clean. Add a rule here only for a finding in what chalice generates,
# never for one in a service's resources.yaml.
IGNORED_RULES: dict[str, str] = {}


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    line: int

    @property
    def level(self) -> str:
        """E(rror), W(arning) or I(nformational), from the rule id's first letter."""
        return self.rule[:1]

    def __str__(self) -> str:
        return f"{self.rule} line {self.line}: {self.message}"


def load_template(path: Path) -> dict[str, Any]:
    """A YAML or JSON template as plain data, ``!Sub x`` read as ``{"Fn::Sub": x}``."""
    from cfnlint.decode import cfn_yaml

    # cfn-lint's loader returns line-annotated dict subclasses; a JSON round trip makes
    # plain dicts that serialize and compare like any other.
    loaded = json.loads(json.dumps(cfn_yaml.load(str(path))))
    return loaded if isinstance(loaded, dict) else {}


def merge(overlay: dict[str, Any], generated: dict[str, Any]) -> dict[str, Any]:
    """``generated`` with ``overlay`` merged on top, by chalice's own merger (so the fast
    lint checks merge exactly as ``chalice package --merge-template`` does: dicts deep,
    lists replaced whole)."""
    from chalice.package import TemplateDeepMerger

    merged: dict[str, Any] = TemplateDeepMerger().merge(overlay, generated)
    return merged


def lint(template: dict[str, Any] | Path, *, informational: bool = False) -> list[Finding]:
    """cfn-lint findings for a template (data or file), minus ``IGNORED_RULES``."""
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    text = template.read_text() if isinstance(template, Path) else json.dumps(template, indent=1)
    config = ManualArgs(regions=[REGION], ignore_checks=sorted(IGNORED_RULES))
    if informational:
        config["include_checks"] = ["I"]
    matches = cfn_lint(text, config=config)
    return [Finding(rule=m.rule.id, message=m.message, line=m.linenumber) for m in matches]


def blocking(findings: list[Finding]) -> list[Finding]:
    """What fails a build: errors and warnings (cfn-lint's own non-zero exit), not infos."""
    return [f for f in findings if f.level in {"E", "W"}]
