"""Dependencies as testmon records them: files, with the lines of each a test depends on.

- a file read, or a module run outside the test process (with what it imports and the data
  files of its package): every line, so that any edit counts;
- a directory listed: the stand-in ``.cache/gate/deps/listings/<directory>/.listing``, its
  entries one a line, so that a new or deleted file there counts;
- the whole tree: the stand-in ``tree.txt``, HEAD's tree and a hash of every file that differs
  from it, so that any change counts;
- the modules a test module imports, directly or not: the lines that ran while pytest imported
  it, at least the first statement (testmon's module-level block).

:func:`refresh` brings the stand-ins up to date before testmon compares fingerprints.
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.gate.deps import NOT_SOURCE, Deps
from tools.gate.import_graph import ImportGraph, module_for_path
from tools.process import run

DEPS_DIR = ".cache/gate/deps"
TREE_FILE = f"{DEPS_DIR}/tree.txt"
LISTINGS_DIR = f"{DEPS_DIR}/listings"
LISTING_NAME = ".listing"


def listing_file(directory: str) -> str:
    """The stand-in file for the listing of ``directory`` (relative to the root)."""
    return (
        f"{LISTINGS_DIR}/{LISTING_NAME}"
        if directory == "."
        else f"{LISTINGS_DIR}/{directory}/{LISTING_NAME}"
    )


def write_if_changed(path: Path, text: str) -> None:
    """Replace ``path`` atomically when its content differs (an unchanged file keeps its mtime)."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)


def write_listing(root: Path, directory: str) -> str:
    """Write the listing stand-in of ``directory`` (its entries sorted, outputs and caches left
    out, so that running the tests does not change it); returns its relative path."""
    try:
        names = sorted(p.name for p in (root / directory).iterdir() if p.name not in NOT_SOURCE)
    except OSError:
        names = []
    stand_in = listing_file(directory)
    write_if_changed(root / stand_in, "".join(f"{name}\n" for name in names))
    return stand_in


def working_changes(root: Path) -> list[str]:
    """Every path that differs between HEAD and the index or the work tree, and every
    untracked file that is not ignored (none in the gate's own checkout)."""
    status = ("git", "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all")
    result = run(status, root)
    return sorted({entry[3:] for entry in result.stdout.split("\0") if entry})  # "XY path"


def tree_text(root: Path) -> str:
    """HEAD's tree, then every file that differs from it (tracked, or untracked and not
    ignored) with a hash of its content."""
    lines = [run(("git", "rev-parse", "-q", "--verify", "HEAD^{tree}"), root).stdout]
    for path in working_changes(root):
        try:
            digest = hashlib.sha1((root / path).read_bytes()).hexdigest()
        except OSError:
            digest = "deleted"
        lines.append(f"{digest} {path}\n")
    return "".join(lines)


def refresh(root: Path) -> None:
    """Bring ``tree.txt`` and every listing stand-in up to date with the work tree."""
    write_if_changed(root / TREE_FILE, tree_text(root))
    listings = root / LISTINGS_DIR
    for stand_in in sorted(listings.rglob(LISTING_NAME)):
        write_listing(root, stand_in.parent.relative_to(listings).as_posix())


class DepLines:
    """Turns :class:`Deps` into ``{file: lines}``, caching what it reads."""

    def __init__(
        self,
        root: Path,
        graph: Callable[[], ImportGraph],
        muted: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.root = root
        self.graph = cache(graph)
        self.muted = muted
        """Entered around the file reads here, so an audit hook can ignore them."""
        self.whole_file = cache(self._whole_file)
        self.package_data = cache(self._package_data)
        self.first_statement = cache(self._first_statement)
        self.import_lines_of = cache(self._import_lines_of)

    def _whole_file(self, relative: str) -> frozenset[int]:
        try:
            count = (self.root / relative).read_bytes().count(b"\n") + 1
        except OSError:
            count = 1
        return frozenset(range(1, count + 1))

    def _package_data(self, package: str) -> tuple[str, ...]:
        """Non-Python files below a top-level package: what its modules may open by
        ``__file__`` in a process we do not trace."""
        found: list[str] = []
        for directory, names, files in os.walk(self.root / package):
            names[:] = [name for name in names if name not in NOT_SOURCE]
            found += [
                Path(directory, name).relative_to(self.root).as_posix()
                for name in files
                if not name.endswith((".py", ".pyc"))
            ]
        return tuple(sorted(found))

    def files_lines(self, deps: Deps) -> dict[str, set[int]]:
        """``deps`` as testmon's data: each file with all its lines (any edit counts)."""
        with self.muted():
            files = set(deps.files)
            if deps.modules:
                modules = self.graph().closure(deps.modules)
                files |= {module.replace(".", "/") + ".py" for module in modules}
                for package in {module.partition(".")[0] for module in modules}:
                    files.update(self.package_data(package))
            files |= {write_listing(self.root, directory) for directory in deps.listings}
            if deps.opaque:
                files.add(TREE_FILE)
            return {f: set(self.whole_file(f)) for f in files if (self.root / f).is_file()}

    def import_lines(self, home: str, ran: Mapping[str, set[int]]) -> dict[str, set[int]]:
        """What a test module depends on through its imports: for every project module it
        imports, directly or not, the lines that ran during collection (module-level code and
        what it called), at least the first statement (testmon's module-level block)."""
        with self.muted():
            return {
                relative: set(ran.get(relative, ())) | set(first)
                for relative, first in self.import_lines_of(home).items()
            }

    def _import_lines_of(self, home: str) -> dict[str, tuple[int, ...]]:
        module = module_for_path(home)
        if module is None:
            return {}
        files = (name.replace(".", "/") + ".py" for name in self.graph().closure([module]))
        return {relative: self.first_statement(relative) for relative in files}

    def _first_statement(self, relative: str) -> tuple[int, ...]:
        try:
            tree = ast.parse((self.root / relative).read_bytes())
        except (OSError, SyntaxError, ValueError):
            return ()
        return (tree.body[0].lineno,) if tree.body else ()
