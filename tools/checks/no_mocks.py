"""The no-mock sweep, being reduced to what ruff's banned-api rule cannot see."""

from __future__ import annotations

import ast
from dataclasses import dataclass

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


def sweep_source(source: str, path: str) -> list[Finding]:
    """The findings in one module's source text (``path`` is only used in the messages)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Finding(path, exc.lineno or 0, f"cannot be parsed ({exc.msg})")]
    visitor = _Sweep(path, tree)
    visitor.visit(tree)
    return sorted(set(visitor.findings))
