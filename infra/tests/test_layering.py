"""No arrows up: ``shared/`` (the kernel every service vendors) imports nothing from
``infra/`` or from a service, at module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

from infra.services import ROOT, SERVICES

FORBIDDEN = ("infra", *SERVICES)


def _imports(tree: ast.AST) -> list[tuple[str | None, str, int]]:
    """(enclosing top-level function or None, imported module, line) of every import."""
    found: list[tuple[str | None, str, int]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if function is None and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            if isinstance(child, ast.Import):
                found.extend((inner, alias.name, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.append((inner, child.module, child.lineno))
            visit(child, inner)

    visit(tree, None)
    return found


def upward_imports(root: Path = ROOT) -> list[str]:
    violations = []
    for path in sorted((root / "shared").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for _function, module, line in _imports(ast.parse(path.read_text(), filename=relative)):
            if module.split(".")[0] in FORBIDDEN:
                violations.append(f"{relative}:{line} imports {module}")
    return violations


def test_shared_imports_neither_infra_nor_a_service() -> None:
    # Given every module of shared/, its tests included
    # When their imports are read (inside functions too: a lazy import is still an arrow)
    # Then none reaches up into infra/ or a service
    assert upward_imports() == []


def test_the_check_sees_a_lazy_import_inside_a_function(tmp_path: Path) -> None:
    # Given a kernel module that imports the local stack inside a function
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "bad.py").write_text("def f():\n    from infra.local.cfn import load_template\n")
    (tmp_path / "shared" / "worse.py").write_text("import contacts.api\n")
    # Then the check names both
    assert upward_imports(tmp_path) == [
        "shared/bad.py:2 imports infra.local.cfn",
        "shared/worse.py:1 imports contacts.api",
    ]
