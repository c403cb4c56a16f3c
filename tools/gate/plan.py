"""Which checks the commit gate runs for a set of changed files: a pure decision.

- ruff (check and format) on the changed Python files, the whole tree when its configuration
  changed;
- pyright on the changed modules and every module that imports them, directly or not (the
  whole project when its configuration or the locked packages changed, or a module was
  deleted);
- vulture, import-linter and the PEP 420 and no-mock checks (each reads the whole project in
  about a second) when Python or ``pyproject.toml`` changed;
- the Markdown lint on the changed Markdown files that ``quality`` lints;
- zizmor and check-jsonschema on every workflow when one changed;
- the lock check when ``pyproject.toml`` or ``uv.lock`` changed;
- the tests pytest-testmon selects, or the whole fast suite, with the reason, when a change
  reaches every test or the recorded data cannot be trusted.

``--all`` (every check on everything, every test) is :data:`EVERYTHING`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from tools.gate.import_graph import PROJECT_PACKAGES, SCRIPTS, ImportGraph, module_for_path

CONFIG = "pyproject.toml"
LOCKFILE = "uv.lock"
MARKDOWN_CONFIG = ".pymarkdown.json"
WORKFLOWS = ".github/workflows/"


@dataclass(frozen=True)
class Change:
    path: str
    """POSIX path relative to the repository root."""
    exists: bool
    """False when the change deletes the file."""


@dataclass(frozen=True)
class Lists:
    """The file lists ``quality`` checks, from ``[tool.ml_playground]`` in pyproject.toml."""

    markdown: tuple[str, ...]
    """Files, directories and globs the Markdown lint scans."""
    markdown_generated: tuple[str, ...]
    """Generated Markdown it skips."""


@dataclass(frozen=True)
class Plan:
    """For ruff, pyright and the Markdown lint: the files to check, ``()`` for everything the
    full gate checks, None to skip the tool."""

    ruff: tuple[str, ...] | None
    pyright: tuple[str, ...] | None
    project_checks: bool
    """vulture, import-linter, the PEP 420 and no-mock checks."""
    markdown: tuple[str, ...] | None
    workflows: bool
    lock: bool
    whole_suite_reason: str | None
    """Why every fast test runs; None lets testmon select."""


EVERYTHING = Plan((), (), True, (), True, True, "--all")


def is_python_source(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if path.endswith(".py") and len(parts) == 1:
        return parts[0].removesuffix(".py") in SCRIPTS
    return path.endswith(".py") and parts[0] in PROJECT_PACKAGES


def is_linted_markdown(path: str, lists: Lists) -> bool:
    if not path.endswith(".md") or path in lists.markdown_generated:
        return False
    parts = PurePosixPath(path).parts
    return any(
        path == entry
        or path.startswith(f"{entry}/")
        or (len(parts) == len(PurePosixPath(entry).parts) and PurePosixPath(path).match(entry))
        for entry in lists.markdown
    )


def whole_suite_reason(changes: Sequence[Change], data_problem: str | None) -> str | None:
    """The first reason to run every test, or None."""
    if data_problem is not None:
        return data_problem
    for change in changes:
        path = PurePosixPath(change.path)
        if change.path in (CONFIG, LOCKFILE, "noxfile.py"):
            return f"{change.path} changed"
        if path.name == "conftest.py":
            return f"{change.path} changed (fixtures and hooks reach every test)"
        if path.parts[0] == "tests" and path.suffix != ".py":
            return f"{change.path} changed (test data)"
    return None


def pyright_files(python: Sequence[Change], graph: ImportGraph) -> tuple[str, ...]:
    """The changed modules and every module that imports one of them."""
    existing = [c.path for c in python if c.exists]
    modules = {m for m in map(module_for_path, existing) if m is not None}
    modules |= {p.removesuffix(".py") for p in existing if "/" not in p}
    files = {module.replace(".", "/") + ".py" for module in graph.importers(modules)}
    return tuple(sorted(files | set(existing)))


def make_plan(
    changes: Sequence[Change], graph: ImportGraph | None, lists: Lists, data_problem: str | None
) -> Plan:
    """The checks for ``changes``; ``graph`` None (it could not be built) checks every module
    with pyright."""
    paths = {change.path for change in changes}
    python = [c for c in changes if is_python_source(c.path)]
    existing_python = tuple(sorted(c.path for c in python if c.exists))
    whole_pyright = bool(paths & {CONFIG, LOCKFILE}) or any(not c.exists for c in python)
    pyright: tuple[str, ...] | None = None
    if whole_pyright or (python and graph is None):
        pyright = ()
    elif python and graph is not None:
        pyright = pyright_files(python, graph)
    markdown: tuple[str, ...] | None = () if MARKDOWN_CONFIG in paths else None
    if markdown is None:
        linted = tuple(c.path for c in changes if c.exists and is_linted_markdown(c.path, lists))
        markdown = linted or None
    return Plan(
        ruff=() if CONFIG in paths else (existing_python or None),
        pyright=pyright,
        project_checks=bool(python) or CONFIG in paths,
        markdown=markdown,
        workflows=any(path.startswith(WORKFLOWS) for path in paths),
        lock=bool(paths & {CONFIG, LOCKFILE}),
        whole_suite_reason=whole_suite_reason(changes, data_problem),
    )
