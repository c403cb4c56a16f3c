"""The static checks of ``quality``, stated once: ``nox -s lint`` runs all of them, the commit
gate those a change can affect (:mod:`tools.gate.plan`).

``python -m tools.gate.checks`` runs every check in the current directory, one after the other,
with the tools of the running interpreter's environment, and prints one line per check.
Exit codes: 0 every check passed, 1 a check failed, 2 pyproject.toml lacks the file lists.
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tools.gate.plan import EVERYTHING, Lists, Plan
from tools.process import failure_line, run


@dataclass(frozen=True)
class Step:
    name: str
    command: tuple[str, ...]
    env: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Settings:
    """``[tool.ml_playground]`` of a tree's pyproject.toml."""

    pythons: tuple[str, ...]
    fast_tests: tuple[str, ...]
    lists: Lists
    test_env: dict[str, str]
    """The environment of every test run, the bytecode cache (``pycache``) included."""


def read_settings(tree: Path) -> Settings:
    """The settings; KeyError or TOMLDecodeError (with what is wrong) when they are missing."""
    with (tree / "pyproject.toml").open("rb") as file:
        tool = cast("dict[str, Any]", tomllib.load(file).get("tool", {}))
    table = tool.get("ml_playground")
    if table is None:
        raise KeyError(f"{tree / 'pyproject.toml'} has no [tool.ml_playground] table")
    return Settings(
        tuple(table["pythons"]),
        tuple(table["fast-tests"]),
        Lists(tuple(table["markdown"]), tuple(table["markdown-generated"])),
        {**table["test-env"], "PYTHONPYCACHEPREFIX": str(tree / table["pycache"])},
    )


def markdown_targets(files: tuple[str, ...], tree: Path, lists: Lists) -> list[str]:
    if files:
        return list(files)
    return [
        p.relative_to(tree).as_posix() for entry in lists.markdown for p in sorted(tree.glob(entry))
    ]


def check_steps(plan: Plan, tree: Path, python: str, lists: Lists) -> list[Step]:
    """The static checks of ``plan``, with the tools of ``python``'s environment."""

    def tool(name: str) -> str:
        return str(Path(python).parent / name)

    steps: list[Step] = []
    if plan.lock:
        steps.append(Step("lock", ("uv", "lock", "--check", "--quiet")))
    if plan.ruff is not None:
        targets = plan.ruff or (".",)
        steps.append(Step("ruff check", (tool("ruff"), "check", "--force-exclude", *targets)))
        format_check = (tool("ruff"), "format", "--check", "--force-exclude", *targets)
        steps.append(Step("ruff format", format_check))
    if plan.project_checks:
        steps.append(Step("vulture", (tool("vulture"),)))
        imports = (tool("lint-imports"), "--cache-dir", ".cache/import-linter")
        steps.append(Step("import-linter", imports))
        steps.append(Step("no mocks", (python, "-m", "tools.checks.no_mocks")))
        steps.append(Step("pep420", (python, "-m", "tools.checks.pep420")))
    if plan.markdown is not None:
        excluded = [arg for path in lists.markdown_generated for arg in ("--exclude", path)]
        config = ("--strict-config", "--config", ".pymarkdown.json", "scan", "-r", *excluded)
        targets = markdown_targets(plan.markdown, tree, lists)
        steps.append(Step("markdown", (tool("pymarkdown"), *config, *targets)))
    files = sorted(p.relative_to(tree).as_posix() for p in tree.glob(".github/workflows/*.y*ml"))
    if plan.workflows and files:
        steps.append(Step("zizmor", (tool("zizmor"), "--offline", "--no-progress", *files)))
        schema = ("--builtin-schema", "vendor.github-workflows", *files)
        steps.append(Step("check-jsonschema", (tool("check-jsonschema"), *schema)))
    if plan.pyright is not None:
        steps.append(Step("pyright", (tool("pyright"), "--pythonpath", python, *plan.pyright)))
    return steps


def report(results: Sequence[tuple[str, bool, float]], prefix: str) -> bool:
    """One line per check (name, passed, seconds); True when all passed."""
    for name, passed, seconds in results:
        print(f"{prefix}: {'ok    ' if passed else 'FAILED'} {name} ({seconds:.1f} s)")
    return all(passed for _, passed, _ in results)


def main() -> int:
    tree = Path.cwd()
    try:
        settings = read_settings(tree)
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        print(f"error: checks: {error}", file=sys.stderr)
        return 2
    results: list[tuple[str, bool, float]] = []
    for step in check_steps(EVERYTHING, tree, sys.executable, settings.lists):
        print(f"checks: $ {' '.join(step.command)}", flush=True)
        start = time.monotonic()
        result = run(step.command, tree, echo=sys.stdout.write)
        if not result.started:
            print(f"checks: error: {step.name} could not start: {failure_line(result)}")
        results.append((step.name, result.ok, time.monotonic() - start))
    return 0 if report(results, "checks") else 1


if __name__ == "__main__":
    raise SystemExit(main())
