"""The no-mock sweep: fail on mocks and on monkeypatching of project code.

Usage: ``python -m tools.checks.no_mocks [PATH ...]`` (default: ``tests``, ``tools`` and
``ml_playground``; directories are searched for ``*.py``). The ``quality`` nox session runs it.

Each finding is one line, ``file:line: what was found; what to do instead``. Found:

- importing ``unittest.mock``, ``mock`` or ``pytest_mock`` (``import``, ``from ... import``,
  ``importlib.import_module``/``__import__``/``pytest.importorskip`` with that name, or the
  attribute chain ``unittest.mock``);
- the mock classes (``MagicMock``, ``AsyncMock``, ``NonCallableMock``,
  ``NonCallableMagicMock``, ``PropertyMock``) and ``create_autospec``, however reached;
- the pytest-mock fixtures (a parameter named ``mocker``, ``class_mocker``, ...;
  ``getfixturevalue("mocker")``; ``usefixtures("mocker")``);
- ``monkeypatch.setattr/delattr/setitem/delitem`` whose target is project code: a dotted
  string starting with ``ml_playground`` or ``tools``, an object reached from a name the file
  imported from those packages, or a ``sys.modules`` key naming one of them. The receiver is
  the ``monkeypatch`` fixture or a ``MonkeyPatch()``/``MonkeyPatch.context()`` object;
- ``setattr``/``delattr``, assignment or ``del`` on an attribute of an object reached from
  such an imported project name (monkeypatching by hand).

Allowed: ``monkeypatch.setenv``/``delenv`` (environment), ``chdir`` (working directory),
``syspath_prepend`` (``sys.path``), monkeypatching objects outside the project, and dependency
injection through real parameters. There is no allowlist: a finding is fixed, not excused.

Exit codes: 0 nothing found; 1 findings (or a file that cannot be parsed); 2 a path that
does not exist.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.checks.tree_paths import paths_parser, paths_to_check

PROJECT_PACKAGES = ("ml_playground", "tools")
BANNED_MODULES = ("unittest.mock", "mock", "pytest_mock")
MOCK_NAMES = frozenset(
    {
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "create_autospec",
    }
)
MOCKER_FIXTURES = frozenset(
    {"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"}
)
PATCHING_METHODS = frozenset({"setattr", "delattr", "setitem", "delitem"})
IMPORT_FUNCTIONS = frozenset({"import_module", "__import__", "importorskip"})
FIXTURE_LOOKUPS = frozenset({"getfixturevalue", "usefixtures"})
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules"})

INSTEAD_OF_MOCKS = (
    "test the real thing instead (real files, processes, git repositories, local servers) or"
    " pass the collaborator in through a real parameter"
)
INSTEAD_OF_PATCHING = (
    "inject the dependency through a real parameter instead; monkeypatch may only set"
    " environment variables (setenv/delenv), the working directory (chdir) and sys.path"
    " (syspath_prepend)"
)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def is_banned_module(name: str) -> bool:
    return any(name == banned or name.startswith(f"{banned}.") for banned in BANNED_MODULES)


def is_project_path(name: str) -> bool:
    """Whether a dotted name lies in the project (``ml_playground``/``tools`` or below)."""
    return any(name == root or name.startswith(f"{root}.") for root in PROJECT_PACKAGES)


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def root_name(node: ast.expr) -> str | None:
    """The name an expression such as ``a.b[0].c`` or ``a.b()`` starts from."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def string_value(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _call_name(call: ast.Call) -> str | None:
    """The called function's own name: ``f`` for ``f(...)`` and ``a.b.f(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_monkeypatch_factory(node: ast.expr) -> bool:
    """``MonkeyPatch()``, ``pytest.MonkeyPatch()`` or ``...MonkeyPatch.context()``."""
    if not isinstance(node, ast.Call):
        return False
    name = dotted_name(node.func) or ""
    return name.endswith(("MonkeyPatch", "MonkeyPatch.context"))


class _Sweep(ast.NodeVisitor):
    """Collects the findings of one module; names are tracked per file, not per scope."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.project_names: set[str] = set()
        self.patchers: set[str] = {"monkeypatch"}
        self._collect_bindings(tree)

    def _collect_bindings(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if is_project_path(alias.name):
                        self.project_names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0 and node.module and is_project_path(node.module):
                    self.project_names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                value = node.value
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [target.id for target in targets if isinstance(target, ast.Name)]
                if value is not None and _is_monkeypatch_factory(value):
                    self.patchers.update(names)
                elif value is not None and self._imports_project_module(value):
                    self.project_names.update(names)
            elif (
                isinstance(node, ast.withitem)
                and _is_monkeypatch_factory(node.context_expr)
                and isinstance(node.optional_vars, ast.Name)
            ):
                self.patchers.add(node.optional_vars.id)

    @staticmethod
    def _imports_project_module(value: ast.expr) -> bool:
        """``importlib.import_module("ml_playground...")`` and the like."""
        if not isinstance(value, ast.Call) or _call_name(value) not in IMPORT_FUNCTIONS:
            return False
        name = string_value(value.args[0]) if value.args else None
        return name is not None and is_project_path(name)

    def report(self, node: ast.AST, message: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), message))

    def is_project_object(self, node: ast.expr) -> bool:
        root = root_name(node)
        return root is not None and root in self.project_names

    # imports -----------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if is_banned_module(alias.name):
                self.report(node, f"imports {alias.name}: no mocks; {INSTEAD_OF_MOCKS}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and is_banned_module(module):
            self.report(node, f"imports from {module}: no mocks; {INSTEAD_OF_MOCKS}")
        elif node.level == 0:
            for alias in node.names:
                if is_banned_module(f"{module}.{alias.name}"):
                    self.report(
                        node, f"imports {module}.{alias.name}: no mocks; {INSTEAD_OF_MOCKS}"
                    )
                elif alias.name in MOCK_NAMES:
                    self.report(node, f"imports {alias.name}: no mocks; {INSTEAD_OF_MOCKS}")
        self.generic_visit(node)

    # names and attributes ----------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in MOCK_NAMES:
            self.report(node, f"uses {node.id}: no mocks; {INSTEAD_OF_MOCKS}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = dotted_name(node)
        if node.attr in MOCK_NAMES:
            self.report(node, f"uses {node.attr}: no mocks; {INSTEAD_OF_MOCKS}")
        elif name is not None and is_banned_module(name) and name.startswith("unittest."):
            self.report(node, f"uses {name}: no mocks; {INSTEAD_OF_MOCKS}")
            return
        self.generic_visit(node)

    # fixtures ----------------------------------------------------------------------------

    def _check_parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            if argument.arg in MOCKER_FIXTURES:
                self.report(
                    argument,
                    f"uses the pytest-mock fixture `{argument.arg}`: no mocks; {INSTEAD_OF_MOCKS}",
                )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check_parameters(node)
        self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check_parameters(node)
        self.generic_visit(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._check_parameters(node)
        self.generic_visit(node)

    # calls -------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        first = string_value(node.args[0]) if node.args else None
        if name in IMPORT_FUNCTIONS and first is not None and is_banned_module(first):
            self.report(node, f"imports {first}: no mocks; {INSTEAD_OF_MOCKS}")
        elif name in FIXTURE_LOOKUPS:
            for argument in node.args:
                fixture = string_value(argument)
                if fixture in MOCKER_FIXTURES:
                    self.report(
                        node,
                        f"uses the pytest-mock fixture `{fixture}`: no mocks; {INSTEAD_OF_MOCKS}",
                    )
        elif name in PATCHING_METHODS and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id in self.patchers:
                self._check_monkeypatch(node, f"{receiver.id}.{name}")
        elif isinstance(node.func, ast.Name) and name in ("setattr", "delattr") and node.args:
            target = node.args[0]
            if self.is_project_object(target):
                self.report(
                    node,
                    f"{name}() on project code ({ast.unparse(target)}): {INSTEAD_OF_PATCHING}",
                )
        self.generic_visit(node)

    def _check_monkeypatch(self, node: ast.Call, call: str) -> None:
        target = node.args[0] if node.args else None
        if target is None:
            return
        text = string_value(target)
        if text is not None:
            if is_project_path(text):
                self.report(node, f"{call} replaces project code ({text}): {INSTEAD_OF_PATCHING}")
            return
        if self.is_project_object(target):
            self.report(
                node,
                f"{call} replaces project code ({ast.unparse(target)}): {INSTEAD_OF_PATCHING}",
            )
            return
        key = string_value(node.args[1]) if len(node.args) > 1 else None
        if dotted_name(target) == "sys.modules" and key is not None and is_project_path(key):
            self.report(node, f"{call} replaces a project module ({key}): {INSTEAD_OF_PATCHING}")

    # assignment by hand ------------------------------------------------------------------

    def _check_targets(self, targets: Iterable[ast.expr], verb: str) -> None:
        for target in targets:
            for node in ast.walk(target):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.ctx, ast.Store | ast.Del)
                    and self.is_project_object(node)
                ):
                    self.report(
                        node,
                        f"{verb} project code ({ast.unparse(node)}): {INSTEAD_OF_PATCHING}",
                    )

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check_targets(node.targets, "assigns to")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_targets([node.target], "assigns to")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_targets([node.target], "assigns to")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._check_targets(node.targets, "deletes")
        self.generic_visit(node)


def sweep_source(source: str, path: str) -> list[Finding]:
    """The findings in one module's source text (``path`` is only used in the messages)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Finding(path, exc.lineno or 0, f"cannot be parsed ({exc.msg})")]
    visitor = _Sweep(path, tree)
    visitor.visit(tree)
    return sorted(set(visitor.findings))


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The ``*.py`` files of ``paths`` (files as given; directories searched, sorted)."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for candidate in sorted(path.rglob("*.py")):
            parts = candidate.relative_to(path).parts[:-1]
            if not any(part in SKIPPED_DIRECTORIES or part.startswith(".") for part in parts):
                yield candidate


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, in posix form."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def sweep(paths: Iterable[Path]) -> tuple[list[Finding], int]:
    """All findings under ``paths`` and how many files were read."""
    findings: list[Finding] = []
    count = 0
    for file in python_files(paths):
        count += 1
        source = file.read_bytes().decode("utf-8", errors="replace")
        findings.extend(sweep_source(source, display_path(file)))
    return findings, count


def build_parser() -> argparse.ArgumentParser:
    return paths_parser("no_mocks", "Fail on mocks and on monkeypatching of project code.")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = paths_to_check("no_mocks", args.paths)
    if paths is None:
        return 2
    findings, count = sweep(paths)
    for finding in findings:
        print(finding)
    if findings:
        files = len({finding.path for finding in findings})
        print(
            f"no_mocks: {len(findings)} finding(s) in {files} file(s) of {count} swept",
            file=sys.stderr,
        )
        return 1
    print(f"no_mocks: {count} files swept; no mocks and no monkeypatching of project code")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
