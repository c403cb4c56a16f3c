"""The shape of tools/workflow: following one task reads only a few of its files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PACKAGE = "tools.workflow"
MOST_FILES_PER_TASK = 10


def module_path(root: Path, module: str) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module of ``package`` that ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith(f"{package}.")}


def import_closure(root: Path, module: str, package: str = PACKAGE) -> set[str]:
    """``module`` and every module of ``package`` it imports, directly or not."""
    seen: set[str] = set()
    pending = [module]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(imported_modules(module_path(root, current), package))
    return seen


def write_module(root: Path, module: str, source: str) -> None:
    path = module_path(root, module)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_the_closure_follows_imports_at_every_depth(tmp_path: Path) -> None:
    write_module(tmp_path, "tools.workflow.a", "from tools.workflow.b import x\nimport os\n")
    write_module(
        tmp_path,
        "tools.workflow.b",
        "def f():\n    import tools.workflow.c\n    from tools.workflow.a import y\n",
    )
    write_module(tmp_path, "tools.workflow.c", "from tools.process import run\n")

    closure = import_closure(tmp_path, "tools.workflow.a")

    assert closure == {"tools.workflow.a", "tools.workflow.b", "tools.workflow.c"}


def test_following_invoke_ship_reads_at_most_ten_workflow_files() -> None:
    """Before the regroup into ledger/, repo/ and commands/ it was 22 files."""
    closure = import_closure(PROJECT_ROOT, f"{PACKAGE}.commands.ship")

    assert len(closure) <= MOST_FILES_PER_TASK, sorted(closure)
