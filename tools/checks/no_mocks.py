"""The no-mock sweep: what ruff's banned-api rule (TID251) cannot see.

Usage: ``python -m tools.checks.no_mocks [PATH ...]`` (default: ``ml_playground``, ``tests`` and
``tools``; directories are searched for ``*.py``). The ``quality`` nox session runs it.

Importing ``unittest.mock``, ``mock`` or ``pytest_mock`` is ruff's finding
(``[tool.ruff.lint.flake8-tidy-imports.banned-api]``). This sweep finds, one line each
(``file:line: what was found; what to do instead``):

- those modules imported by name at run time (``importlib.import_module``, ``__import__``,
  ``pytest.importorskip``);
- the pytest-mock fixtures: a parameter named ``mocker`` (``class_mocker``, ...), or the name in
  ``getfixturevalue``/``usefixtures``;
- monkeypatching project code: ``.setattr``/``.delattr``/``.setitem``/``.delitem`` (of the
  ``monkeypatch`` fixture or a ``MonkeyPatch``) whose target is a dotted string in
  ``ml_playground`` or ``tools``, a ``sys.modules`` key naming one, or an object reached from a
  name the file imported from those packages; and ``setattr()``/``delattr()``, assignment or
  ``del`` on an attribute of such an object.

Allowed: ``monkeypatch.setenv``/``delenv``, ``chdir``, ``syspath_prepend``, patching objects
outside the project, and dependency injection through real parameters. No allowlist.

Exit codes: 0 nothing found; 1 findings (or a file that cannot be parsed); 2 a path that does
not exist.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path

from tools.checks.tree_paths import Verdict, python_files, run_check

PROJECT_PACKAGES = ("ml_playground", "tools")
MOCK_MODULES = ("unittest.mock", "mock", "pytest_mock")
MOCKER_FIXTURES = frozenset(
    {"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"}
)
IMPORT_FUNCTIONS = frozenset({"import_module", "__import__", "importorskip"})
FIXTURE_LOOKUPS = frozenset({"getfixturevalue", "usefixtures"})
PATCHING_METHODS = frozenset({"setattr", "delattr", "setitem", "delitem"})

NO_MOCKS = (
    "no mocks; test the real thing (real files, processes, git repositories, local servers) or"
    " pass the collaborator in through a real parameter"
)
NO_PATCHING = (
    "inject the dependency through a real parameter instead; monkeypatch may only set"
    " environment variables, the working directory and sys.path"
)


def in_packages(name: str, packages: Sequence[str]) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in packages)


def string_value(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def root_name(node: ast.expr) -> str | None:
    """The name an expression such as ``a.b[0].c`` or ``a.b()`` starts from."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def called_name(call: ast.Call) -> str | None:
    """``f`` for ``f(...)`` and ``a.b.f(...)``."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def imports_project(value: ast.expr) -> bool:
    """``importlib.import_module("ml_playground...")`` and the like."""
    if not isinstance(value, ast.Call) or called_name(value) not in IMPORT_FUNCTIONS:
        return False
    name = string_value(value.args[0]) if value.args else None
    return name is not None and in_packages(name, PROJECT_PACKAGES)


def project_names(tree: ast.Module) -> set[str]:
    """The names a module binds to project packages, modules or objects (per file, not scope)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if in_packages(alias.name, PROJECT_PACKAGES)
            )
        elif isinstance(node, ast.ImportFrom) and in_packages(node.module or "", PROJECT_PACKAGES):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign) and imports_project(node.value):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def findings_in(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, message) for each finding in a parsed module."""
    project = project_names(tree)

    def is_project(node: ast.expr) -> bool:
        return root_name(node) in project

    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.arg in MOCKER_FIXTURES:
            yield node.lineno, f"uses the pytest-mock fixture `{node.arg}`: {NO_MOCKS}"
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            if is_project(node):
                yield node.lineno, f"changes project code ({ast.unparse(node)}): {NO_PATCHING}"
        elif isinstance(node, ast.Call):
            name = called_name(node)
            texts = [string_value(argument) for argument in node.args]
            target = node.args[0] if node.args else None
            if name in IMPORT_FUNCTIONS and texts and in_packages(texts[0] or "", MOCK_MODULES):
                yield node.lineno, f"imports {texts[0]}: {NO_MOCKS}"
            elif name in FIXTURE_LOOKUPS and MOCKER_FIXTURES.intersection(texts):
                yield node.lineno, f"uses a pytest-mock fixture: {NO_MOCKS}"
            elif name in PATCHING_METHODS and target is not None:
                key = texts[1] if len(texts) > 1 else None
                patched = (
                    in_packages(texts[0] or "", PROJECT_PACKAGES)
                    or is_project(target)
                    or (
                        ast.unparse(target) == "sys.modules"
                        and in_packages(key or "", PROJECT_PACKAGES)
                    )
                )
                if patched:
                    yield (
                        node.lineno,
                        f"{name}() on project code ({ast.unparse(node.args[0])}): {NO_PATCHING}",
                    )


def sweep_source(source: str, path: str) -> list[str]:
    """The findings in one module's source text, as ``path:line: message`` lines."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [f"{path}:{exc.lineno or 0}: cannot be parsed ({exc.msg})"]
    found = sorted(set(findings_in(tree)))
    return [f"{path}:{line}: {message}" for line, message in found]


def sweep(paths: list[Path]) -> Verdict:
    files = list(python_files(paths))
    findings = [
        finding
        for file in files
        for finding in sweep_source(file.read_bytes().decode("utf-8", "replace"), file.as_posix())
    ]
    failed = f"{len(findings)} finding(s) in {len(files)} file(s)"
    return (
        findings,
        failed,
        f"{len(files)} files swept; no mocks and no monkeypatching of project code",
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_check("no_mocks", "Fail on mocks and monkeypatching of project code.", argv, sweep)


if __name__ == "__main__":
    raise SystemExit(main())
