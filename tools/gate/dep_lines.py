"""Dependencies as testmon records them: a file and the lines of it a test depends on.

A whole file (every line) for files read as data, stand-ins and modules run outside the test
process; the lines that ran at collection for the modules a test module imports.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from tools.gate.file_deps import NOT_SOURCE, Deps
from tools.gate.import_graph import ImportGraph, module_for_path
from tools.gate.stand_ins import TREE_FILE, write_listing


class DepLines:
    """Turns :class:`Deps` into ``{file: lines}``, caching what it reads."""

    def __init__(
        self,
        root: Path,
        graph: Callable[[], ImportGraph],
        muted: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.root = root
        self._graph = graph
        self.muted = muted
        """Entered around the file reads here, so an audit hook can ignore them."""
        self._line_counts: dict[str, int] = {}
        self._package_data: dict[str, list[str]] = {}
        self._first_statements: dict[str, int | None] = {}
        self._import_lines: dict[str, dict[str, set[int]]] = {}

    def whole_file(self, relative: str) -> set[int]:
        count = self._line_counts.get(relative)
        if count is None:
            try:
                count = (self.root / relative).read_bytes().count(b"\n") + 1
            except OSError:
                count = 1
            self._line_counts[relative] = count
        return set(range(1, count + 1))

    def package_data(self, package: str) -> list[str]:
        """Non-Python files below a top-level package: what its modules may open by
        ``__file__`` in a process we do not trace."""
        if package not in self._package_data:
            found: list[str] = []
            for directory, names, files in os.walk(self.root / package):
                names[:] = [name for name in names if name not in NOT_SOURCE]
                found.extend(
                    Path(directory, name).relative_to(self.root).as_posix()
                    for name in files
                    if not name.endswith((".py", ".pyc"))
                )
            self._package_data[package] = sorted(found)
        return self._package_data[package]

    def files_lines(self, deps: Deps) -> dict[str, set[int]]:
        """``deps`` as testmon's data: each file with all its lines (any edit counts)."""
        with self.muted():
            files = set(deps.files)
            if deps.modules:
                modules = self._graph().closure(deps.modules)
                files |= {module.replace(".", "/") + ".py" for module in modules}
                for package in {module.split(".", 1)[0] for module in modules}:
                    files.update(self.package_data(package))
            files |= {write_listing(self.root, directory) for directory in deps.listings}
            if deps.opaque:
                files.add(TREE_FILE)
            found = {relative: set(lines) for relative, lines in deps.lines.items()}
            for relative in files:
                if (self.root / relative).is_file():
                    found[relative] = self.whole_file(relative)
            return found

    def import_lines(self, home: str, ran: Mapping[str, set[int]]) -> dict[str, set[int]]:
        """What a test module depends on through its imports: for every project module it
        imports, directly or not, the lines that ran during collection (module-level code and
        what it called), at least the first statement (testmon's module-level block)."""
        module = module_for_path(home)
        if module is None:
            return {}
        if home in self._import_lines:
            return self._import_lines[home]
        with self.muted():
            closure = self._graph().closure([module])
            found: dict[str, set[int]] = {}
            for name in closure:
                relative = name.replace(".", "/") + ".py"
                first = self.first_statement(relative)
                found[relative] = set(ran.get(relative, set())) | ({first} if first else set())
        self._import_lines[home] = found
        return found

    def first_statement(self, relative: str) -> int | None:
        if relative not in self._first_statements:
            try:
                tree = ast.parse((self.root / relative).read_bytes())
                self._first_statements[relative] = tree.body[0].lineno if tree.body else None
            except (OSError, SyntaxError, ValueError):
                self._first_statements[relative] = None
        return self._first_statements[relative]
