"""The commands of the incremental gate's checks, as argument lists."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.gate.plan import MARKDOWN_FILES, MARKDOWN_GENERATED, MARKDOWN_ROOTS, Plan

TEST_DIRECTORIES = ("tests/unit", "tests/property")
STRICT = ("-W", "error", "--strict-markers", "--strict-config")
# worksteal: testmon runs the fastest tests first, so the slowest come last; an idle worker
# takes over queued tests instead of waiting for the other to finish its share.
PARALLEL = ("-n", "auto", "--dist", "worksteal")
PLUGIN = "tools.gate.pytest_deps"


@dataclass(frozen=True)
class Step:
    name: str
    command: tuple[str, ...]


def tool(name: str) -> str:
    """The executable ``name`` of the running interpreter's environment, else from PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def markdown_command(files: Sequence[str], root: Path) -> tuple[str, ...]:
    if files:
        targets = list(files)
    else:
        readmes = sorted(p.relative_to(root).as_posix() for p in root.glob("tests/*/README.md"))
        targets = [*MARKDOWN_FILES[:1], *MARKDOWN_ROOTS, MARKDOWN_FILES[1], *readmes]
    excluded = [arg for path in MARKDOWN_GENERATED for arg in ("--exclude", path)]
    return (
        tool("pymarkdown"),
        "--strict-config",
        "--config",
        ".pymarkdown.json",
        "scan",
        "-r",
        *excluded,
        *targets,
    )


def pytest_command(plan: Plan, extra: Sequence[str]) -> tuple[str, ...]:
    """The whole suite runs on every core; a selection runs in one process when pyright
    takes the other core (xdist workers would each import the test's dependencies again)."""
    whole = plan.whole_suite_reason is not None
    parallel = PARALLEL if whole or plan.pyright is None else ("-p", "no:xdist")
    select = "--testmon-noselect" if whole else "--testmon"
    return (
        sys.executable,
        "-m",
        "pytest",
        *TEST_DIRECTORIES,
        *parallel,
        *STRICT,
        "-p",
        PLUGIN,
        select,
        *extra,
    )


def quick_steps(plan: Plan, root: Path) -> list[Step]:
    steps: list[Step] = []
    if plan.ruff is not None:
        ruff, targets = tool("ruff"), plan.ruff or (".",)
        steps.append(Step("ruff check", (ruff, "check", "--force-exclude", *targets)))
        steps.append(Step("ruff format", (ruff, "format", "--check", "--force-exclude", *targets)))
    if plan.import_linter:
        steps.append(
            Step("import-linter", (tool("lint-imports"), "--cache-dir", ".cache/import-linter"))
        )
    if plan.markdown is not None:
        steps.append(Step("markdown", markdown_command(plan.markdown, root)))
    return steps
