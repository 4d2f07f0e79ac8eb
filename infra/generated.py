"""Committed files generated from the code (event schemas, AsyncAPI, OpenAPI): one way to
compare them with what the code generates now, to rewrite them, and the ``write|check``
command each generator answers (``make schemas`` writes; a test and ``check`` fail on drift)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from infra.services import ROOT


def drift(files: Mapping[Path, str]) -> list[str]:
    """What differs between the generated files and the ones on disk, one line each."""
    problems = []
    for path, text in files.items():
        if not path.is_file():
            problems.append(f"missing  {path.relative_to(ROOT)}")
        elif path.read_text() != text:
            problems.append(f"changed  {path.relative_to(ROOT)}")
    return problems


def write(files: Mapping[Path, str]) -> list[Path]:
    """Rewrite the files that differ; the ones changed."""
    changed = []
    for path, text in files.items():
        if not path.is_file() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


def command(
    argv: list[str] | None,
    *,
    what: str,
    source: str,
    write: Callable[[], list[Path]],
    drift: Callable[[], list[str]],
    summary: Callable[[int], str],
) -> int:
    """``write`` or ``check`` the files of one generator (``what``, made from ``source``)."""
    parser = argparse.ArgumentParser(description=f"Generate or check the {what}.")
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.command == "write":
        changed = write()
        for path in changed:
            print(f"wrote {path.relative_to(ROOT)}")
        print(f"{summary(len(changed))}")
        return 0
    problems = drift()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{what} drifted from the {source}: run `make schemas` and commit", file=sys.stderr)
        return 1
    print(f"{what} match the {source}")
    return 0
