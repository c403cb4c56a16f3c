"""The project's import graph: who imports whom, directly or not.

Built with grimp (which import-linter brings) for the packages, plus the top-level scripts
``tasks.py`` and ``noxfile.py`` read with :mod:`ast` (grimp only takes packages).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.gate.file_deps import PROJECT_PACKAGES, imported_modules

SCRIPTS = ("tasks", "noxfile")
"""Top-level modules that import the project but belong to no package."""


@dataclass(frozen=True)
class ImportGraph:
    """``imports[m]`` is the set of project modules ``m`` imports directly."""

    imports: Mapping[str, frozenset[str]]

    def known(self, name: str) -> str | None:
        """``name`` or its nearest enclosing module in the graph (``a.b.func`` -> ``a.b``)."""
        while name:
            if name in self.imports:
                return name
            name = name.rpartition(".")[0]
        return None

    def closure(self, modules: Iterable[str]) -> set[str]:
        """``modules`` and everything they import, directly or not."""
        return _walk(self.imports, modules, self.known)

    def importers(self, modules: Iterable[str]) -> set[str]:
        """``modules`` and every module that imports one of them, directly or not."""
        reverse: dict[str, set[str]] = {name: set() for name in self.imports}
        for importer, imported in self.imports.items():
            for name in imported:
                reverse.setdefault(name, set()).add(importer)
        frozen = {name: frozenset(found) for name, found in reverse.items()}
        return _walk(frozen, modules, self.known)


def _walk(
    edges: Mapping[str, frozenset[str]], start: Iterable[str], known: Callable[[str], str | None]
) -> set[str]:
    seen: set[str] = set()
    todo = [found for found in (known(name) for name in start) if found is not None]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges.get(name, frozenset()) - seen)
    return seen


def load_graph(
    root: Path, packages: Sequence[str] = PROJECT_PACKAGES, scripts: Sequence[str] = SCRIPTS
) -> ImportGraph:
    """The graph of ``packages`` and ``scripts`` at ``root`` (importable from ``root``)."""
    import grimp

    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    present = [name for name in packages if (root / name).is_dir()]
    graph = grimp.build_graph(*present, cache_dir=None)
    # Namespace packages are nodes in grimp's graph too; only modules with a file count.
    files = {m for m in graph.modules if (root / (m.replace(".", "/") + ".py")).is_file()}
    imports: dict[str, frozenset[str]] = {
        module: frozenset(graph.find_modules_directly_imported_by(module) & files)
        for module in files
    }
    for script in scripts:
        path = root / f"{script}.py"
        if path.is_file():
            source = path.read_text(encoding="utf-8", errors="replace")
            try:
                names = imported_modules(source)
            except SyntaxError:
                names = set[str]()
            found = {ImportGraph(imports).known(name) for name in names}
            imports[script] = frozenset(name for name in found if name is not None)
    return ImportGraph(imports)
