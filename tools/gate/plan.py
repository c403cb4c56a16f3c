"""Which checks the incremental gate runs for a set of changed files: a pure decision.

- ruff on the changed Python files (the whole tree when its configuration changed);
- pyright on the changed modules and every module that imports them, directly or not (the
  whole project when its configuration or the locked packages changed, or a module was
  deleted);
- import-linter when Python or ``pyproject.toml`` changed;
- the tests pytest-testmon selects, or the whole unit + property suite, with the reason, when
  a change reaches every test or the recorded data cannot be trusted;
- the Markdown lint on the changed Markdown files that the full gate lints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from tools.gate.import_graph import PROJECT_PACKAGES, SCRIPTS, ImportGraph, module_for_path

CONFIG = "pyproject.toml"
LOCKFILE = "uv.lock"
MARKDOWN_CONFIG = ".pymarkdown.json"
PYTHON_ROOTS = PROJECT_PACKAGES
"""Where pyright and ruff look (with the top-level scripts of SCRIPTS)."""
MARKDOWN_ROOTS = ("docs", ".dev-guidelines")
MARKDOWN_FILES = ("README.md", ".ldres/tv-tasks.md")
MARKDOWN_GENERATED = ("docs/coverage/roadmap.md",)


@dataclass(frozen=True)
class Change:
    path: str
    """POSIX path relative to the repository root."""
    exists: bool
    """False when the change deletes the file."""


@dataclass(frozen=True)
class Plan:
    """For ruff, pyright and the Markdown lint: the files to check, ``()`` for everything the
    full gate checks, None to skip the tool."""

    ruff: tuple[str, ...] | None
    pyright: tuple[str, ...] | None
    import_linter: bool
    whole_suite_reason: str | None
    """Why every unit and property test runs; None lets testmon select."""
    markdown: tuple[str, ...] | None


def is_python_source(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if path.endswith(".py") and len(parts) == 1:
        return parts[0].removesuffix(".py") in SCRIPTS
    return path.endswith(".py") and parts[0] in PYTHON_ROOTS


def is_linted_markdown(path: str) -> bool:
    if not path.endswith(".md") or path in MARKDOWN_GENERATED:
        return False
    parts = PurePosixPath(path).parts
    in_tests = len(parts) == 3 and parts[0] == "tests" and parts[2] == "README.md"
    return path in MARKDOWN_FILES or parts[0] in MARKDOWN_ROOTS or in_tests


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


def make_plan(
    changes: Sequence[Change], graph: ImportGraph | None, data_problem: str | None
) -> Plan:
    """The checks for ``changes``; ``graph`` None (it could not be built) checks every module
    with pyright."""
    paths = {change.path for change in changes}
    python = [c for c in changes if is_python_source(c.path)]
    existing_python = tuple(sorted(c.path for c in python if c.exists))
    ruff = () if CONFIG in paths else (existing_python or None)
    whole_pyright = (
        bool(paths & {CONFIG, LOCKFILE})
        or any(not c.exists for c in python)
        or (bool(python) and graph is None)
    )
    pyright: tuple[str, ...] | None
    if whole_pyright:
        pyright = ()
    elif not python or graph is None:
        pyright = None
    else:
        modules = {m for m in (module_for_path(p) for p in existing_python) if m is not None}
        modules |= {p.removesuffix(".py") for p in existing_python if "/" not in p}
        importers = graph.importers(modules)
        files = {_file_of(module) for module in importers} | set(existing_python)
        pyright = tuple(sorted(files))
    markdown: tuple[str, ...] | None
    if MARKDOWN_CONFIG in paths:
        markdown = ()
    else:
        changed_md = tuple(c.path for c in changes if c.exists and is_linted_markdown(c.path))
        markdown = changed_md or None
    return Plan(
        ruff=ruff,
        pyright=pyright,
        import_linter=bool(python) or CONFIG in paths,
        whole_suite_reason=whole_suite_reason(changes, data_problem),
        markdown=markdown,
    )


def _file_of(module: str) -> str:
    return module.replace(".", "/") + ".py"
