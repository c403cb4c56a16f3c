"""Lint the GitHub Actions workflows offline: zizmor (security) and the workflow JSON schema.

Usage: ``python -m tools.checks.workflow_lint [--workflows DIR]`` (default
``.github/workflows``). The ``quality`` nox session runs it with the ``checks`` group installed.

Two linters run over every ``*.yml``/``*.yaml`` file of the directory, each as a subprocess:

- ``zizmor --offline``: template injection, credential persistence, unpinned actions,
  excessive permissions and the other offline audits (no GitHub API calls);
- ``check-jsonschema --builtin-schema vendor.github-workflows``: the GitHub-workflow schema
  vendored inside check-jsonschema (keys, types, event names, ``runs-on``, ``permissions``).

Each linter's own output is passed through; both always run, so one run shows every finding.
Executables are looked up next to the running interpreter first (the nox environment), then
on ``PATH``.

Exit codes: 0 both passed; 1 a linter reported findings (or failed); 2 no workflow files, or
a linter is not installed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WORKFLOWS = Path(".github/workflows")
WORKFLOW_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Linter:
    """A linter: its name in messages and the command that precedes the file arguments."""

    name: str
    command: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    linter: str
    returncode: int

    @property
    def passed(self) -> bool:
        return self.returncode == 0


class MissingToolError(Exception):
    """A linter's executable is not installed."""


def workflow_files(directory: Path) -> list[Path]:
    """The workflow files of ``directory`` (``*.yml`` and ``*.yaml``), sorted by name."""
    if not directory.is_dir():
        return []
    return sorted(
        path for path in directory.iterdir() if path.is_file() and path.suffix in WORKFLOW_SUFFIXES
    )


def find_executable(name: str, python: str = sys.executable) -> str:
    """``name`` in the directory of ``python`` (a virtual environment's scripts), else on
    ``PATH``."""
    beside = shutil.which(name, path=str(Path(python).parent))
    found = beside or shutil.which(name)
    if found is None:
        raise MissingToolError(
            f"{name} is not installed; run this check through `nox -s quality`, or"
            " `uv sync --group checks` first"
        )
    return found


def default_linters(python: str = sys.executable) -> list[Linter]:
    """zizmor (offline) and check-jsonschema with the vendored GitHub-workflow schema."""
    return [
        Linter("zizmor", (find_executable("zizmor", python), "--offline", "--no-progress")),
        Linter(
            "check-jsonschema",
            (
                find_executable("check-jsonschema", python),
                "--builtin-schema",
                "vendor.github-workflows",
            ),
        ),
    ]


def run_linters(linters: Sequence[Linter], files: Sequence[Path]) -> list[Outcome]:
    """Run every linter over ``files`` (output passed through) and return their exit codes."""
    arguments = [path.as_posix() for path in files]
    outcomes: list[Outcome] = []
    for linter in linters:
        completed = subprocess.run([*linter.command, *arguments], check=False)
        outcomes.append(Outcome(linter.name, completed.returncode))
    return outcomes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.checks.workflow_lint",
        description="Lint the GitHub Actions workflows with zizmor and the workflow schema.",
    )
    parser.add_argument(
        "--workflows",
        type=Path,
        default=DEFAULT_WORKFLOWS,
        help=f"the directory of the workflow files (default: {DEFAULT_WORKFLOWS.as_posix()})",
    )
    return parser


def lint(
    directory: Path, linters: Sequence[Linter] | None = None, python: str = sys.executable
) -> int:
    """Lint the workflows of ``directory`` (by default with the linters installed beside
    ``python`` or on PATH); the exit code of :func:`main`."""
    files = workflow_files(directory)
    if not files:
        print(f"workflow_lint: no *.yml or *.yaml files in {directory.as_posix()}", file=sys.stderr)
        return 2
    try:
        chosen = list(linters) if linters is not None else default_linters(python)
    except MissingToolError as exc:
        print(f"workflow_lint: {exc}", file=sys.stderr)
        return 2
    outcomes = run_linters(chosen, files)
    failed = [outcome.linter for outcome in outcomes if not outcome.passed]
    names = ", ".join(path.name for path in files)
    if failed:
        print(f"workflow_lint: {', '.join(failed)} failed on {names}", file=sys.stderr)
        return 1
    print(f"workflow_lint: {' and '.join(o.linter for o in outcomes)} passed on {names}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    directory: Path = args.workflows
    return lint(directory)


if __name__ == "__main__":
    raise SystemExit(main())
