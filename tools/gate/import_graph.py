"""The project's import graph: who imports whom, directly or not.

grimp's graph (import-linter brings grimp) of the packages, plus the top-level scripts
``tasks.py`` and ``noxfile.py`` read with :mod:`ast` (grimp only takes packages).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import grimp

PROJECT_PACKAGES = ("ml_playground", "tools", "tests")
SCRIPTS = ("tasks", "noxfile")
"""Top-level modules that import the project but belong to no package."""


def module_for_path(relative: str) -> str | None:
    """The dotted module name of a project ``.py`` file, or None."""
    path = PurePosixPath(relative)
    if path.suffix != ".py" or path.parts[0] not in PROJECT_PACKAGES:
        return None
    return ".".join(path.with_suffix("").parts)


def imported_modules(source: str) -> set[str]:
    """Absolute module names imported by Python ``source``; raises SyntaxError."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@dataclass(frozen=True)
class ImportGraph:
    graph: grimp.ImportGraph
    files: frozenset[str]
    """The modules that are files: namespace packages are nodes of the graph too."""

    def known(self, name: str) -> str | None:
        """``name`` or its nearest enclosing module (``a.b.func`` -> ``a.b``)."""
        while name and name not in self.files:
            name = name.rpartition(".")[0]
        return name or None

    def closure(self, modules: Iterable[str]) -> set[str]:
        """``modules`` and everything they import, directly or not."""
        return self._reach(modules, self.graph.find_upstream_modules)

    def importers(self, modules: Iterable[str]) -> set[str]:
        """``modules`` and every module that imports one of them, directly or not."""
        return self._reach(modules, self.graph.find_downstream_modules)

    def _reach(self, modules: Iterable[str], step: Callable[[str], set[str]]) -> set[str]:
        found = {name for name in map(self.known, modules) if name is not None}
        return found.union(*(step(name) for name in found)) & self.files


def load_graph(
    root: Path, packages: Sequence[str] = PROJECT_PACKAGES, scripts: Sequence[str] = SCRIPTS
) -> ImportGraph:
    """The graph of ``packages`` and ``scripts`` at ``root`` (importable from ``root``)."""
    import grimp  # 40 ms: only when a graph is needed

    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    present = [name for name in packages if (root / name).is_dir()]
    graph = grimp.build_graph(*present, cache_dir=None)
    files = {m for m in graph.modules if (root / (m.replace(".", "/") + ".py")).is_file()}
    packaged = ImportGraph(graph, frozenset(files))
    for script in scripts:
        path = root / f"{script}.py"
        if path.is_file():
            graph.add_module(script)
            files.add(script)
            try:
                names = imported_modules(path.read_text(encoding="utf-8", errors="replace"))
            except SyntaxError:
                names = set[str]()
            for name in filter(None, map(packaged.known, names)):
                graph.add_import(importer=script, imported=name)
    return ImportGraph(graph, frozenset(files))
