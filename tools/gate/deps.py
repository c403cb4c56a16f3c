"""What a test depends on besides the Python lines it runs: the records of
:mod:`tools.gate.child.sitecustomize` (from the test process and from the Python processes it
starts) turned into :class:`Deps`, files relative to the repository root.

- a file read: that file;
- a directory listed, or a file opened that does not exist: the directory's listing;
- a Python process that inherits the test's environment: nothing here, it logs itself;
- any other process: the project modules it runs and what they import, the repository files
  its arguments name, or, when it works inside the repository or cannot be seen into, the
  whole tree (``opaque``);
- a fork: the modules of the frames on the stack (the child goes on from there).
"""

# String paths and os.path on purpose: the audit hook sees every open() of a test run.
# ruff: noqa: PTH100, PTH112, PTH118, PTH120, PTH206

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from tools.gate.import_graph import PROJECT_PACKAGES, imported_modules, module_for_path

NOT_SOURCE = frozenset(
    {".cache", ".git", ".hypothesis", ".mypy_cache", ".nox", ".pytest_cache", ".ruff_cache"}
    | {".venv", "__pycache__", "build", "dist", "out"}
)
"""Names of directories holding outputs and caches, never inputs a test reads as source."""
_MODULE_NAME = re.compile(rf"^({'|'.join(PROJECT_PACKAGES)})(\.\w+)+$")
_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)?)?(\.exe)?$")
_SHORT_WITH_VALUE = "cmWX"
_LONG_WITH_VALUE = frozenset({"--check-hash-based-pycs"})


@dataclass
class Deps:
    """The dependencies of one test (or collector) beyond traced Python lines."""

    files: set[str] = field(default_factory=lambda: set[str]())
    listings: set[str] = field(default_factory=lambda: set[str]())
    """Directories listed ('.' for the root)."""
    modules: set[str] = field(default_factory=lambda: set[str]())
    """Project modules run outside this process (whole files, with what they import)."""
    opaque: bool = False
    """Something was started whose inputs cannot be known: depends on the whole tree."""

    def update(self, other: Deps) -> None:
        self.files |= other.files
        self.listings |= other.listings
        self.modules |= other.modules
        self.opaque = self.opaque or other.opaque


def repo_relative(path: str, root: str) -> str | None:
    """``path`` (absolute, normalized) as a POSIX path below ``root``, or None when it is
    outside the root or inside an output or cache directory."""
    if path == root:
        return "."
    if not path.startswith(root + os.sep):
        return None
    parts = path[len(root) + 1 :].split(os.sep)
    return None if any(part in NOT_SOURCE for part in parts) else "/".join(parts)


def is_python(program: str) -> bool:
    return program == sys.executable or bool(_PYTHON_NAME.search(Path(program).name))


def runs_python(program: str) -> bool:
    """Is ``program`` a Python interpreter, or a script whose ``#!`` line names one?"""
    found = shutil.which(program)
    if is_python(program) or found is None:
        return is_python(program)
    first = b""
    with contextlib.suppress(OSError), Path(found).open("rb") as handle:
        first = handle.readline(256)
    return first.startswith(b"#!") and b"python" in first


def python_command(args: Sequence[str]) -> tuple[str | None, str | None, bool]:
    """What ``python [options] (-m MOD | -c CODE | SCRIPT) ...`` runs: ``(option, value,
    untraced)``, option ``-m``, ``-c`` or ``script`` (None: stdin or nothing we can name);
    untraced when an option skips ``site`` or the environment (``-S``, ``-I``, ``-E``), where
    the logging of :mod:`tools.gate.child.sitecustomize` never starts."""
    untraced, index = False, 1
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--" and index < len(args):
            return "script", args[index], untraced
        if arg == "-" or not arg.startswith("-"):
            return (None, None, untraced) if arg == "-" else ("script", arg, untraced)
        if arg.startswith("--"):
            index += arg in _LONG_WITH_VALUE
            continue
        for at, letter in enumerate(arg[1:], start=2):  # a cluster of short options: -bSc
            untraced = untraced or letter in "SIE"
            if letter in _SHORT_WITH_VALUE:  # the rest of the cluster, or the next argument
                value = arg[at:] or (args[index] if index < len(args) else None)
                index += not arg[at:]
                if letter in "cm":
                    return (f"-{letter}" if value is not None else None), value, untraced
                break
    return None, None, untraced


def process_deps(args: Sequence[str], cwd: str, root: str) -> Deps:
    """What a process that does not log itself depends on. One working inside the repository,
    or one we cannot see into, is opaque; a Python process elsewhere depends on the project
    modules it runs (and what they import); the program and every argument naming a repository
    file are read."""
    deps = Deps(opaque=repo_relative(cwd, root) is not None or not args)
    if deps.opaque:
        return deps
    for arg in args:
        if _MODULE_NAME.match(arg):
            deps.modules.add(arg)
        relative = repo_relative(os.path.normpath(os.path.join(cwd, arg)), root)
        if relative is not None and os.path.isdir(os.path.join(root, relative)):
            deps.opaque = True
        elif relative is not None and os.path.lexists(os.path.join(root, relative)):
            deps.files.add(relative)
            deps.modules |= {m for m in [module_for_path(relative)] if m}
    if not is_python(args[0]):
        return deps
    option, value, _ = python_command(args)
    source = value if option == "-c" else None
    if option == "-m" and value is not None:
        deps.modules.add(value)
    elif option == "script" and value is not None:
        try:
            source = Path(cwd, value).read_text(encoding="utf-8", errors="replace")
        except OSError:
            deps.opaque = True
    elif option is None:
        deps.opaque = True
    try:
        names = imported_modules(source or "")
    except (SyntaxError, ValueError):
        deps.opaque, names = True, set[str]()
    deps.modules |= {name for name in names if name.partition(".")[0] in PROJECT_PACKAGES}
    return deps


class DepsRecorder:
    """Collects :class:`Deps` for the running test, test-module import or wide-scope fixture."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root_text = str(root)
        self.active: list[Deps] = []
        self.by_module_file: dict[str, Deps] = {}
        self.by_fixture: dict[str, Deps] = {}
        self.pending: dict[str, Deps] = {}
        self.muted = 0
        """Above 0 while the recorder does its own file work, which is nobody's dependency."""

    @contextmanager
    def mute(self) -> Generator[None]:
        self.muted += 1
        try:
            yield
        finally:
            self.muted -= 1

    @contextmanager
    def recording(self, deps: Deps) -> Generator[Deps]:
        self.active.append(deps)
        try:
            yield deps
        finally:  # by identity: an equal record (nothing read yet) may be open around it
            self.active = [active for active in self.active if active is not deps]

    def relative(self, path: str) -> str | None:
        return repo_relative(os.path.abspath(path), self.root_text)

    def take(self, record: Mapping[str, object]) -> None:
        """Add one record of :mod:`tools.gate.child.sitecustomize` to every active
        :class:`Deps`."""
        with self.mute():
            found = self._deps_of_record(record)
        for deps in self.active:
            deps.update(found)

    def _deps_of_record(self, record: Mapping[str, object]) -> Deps:
        kind, path = record.get("event"), str(record.get("path", ""))
        relative = self.relative(path) if path else None
        if kind == "list" and relative is not None:
            return Deps(listings={relative})
        if kind == "open" and relative is not None and relative != ".":
            if os.path.isdir(path):
                return Deps(listings={relative})
            if os.path.lexists(path):
                return Deps(files={relative})
            return Deps(listings={os.path.dirname(relative) or "."})
        if kind == "process":
            argv = [str(arg) for arg in cast("list[object]", record.get("argv") or [])]
            traced = (
                record.get("inherits") is True
                and bool(argv)
                and runs_python(argv[0])
                and not (is_python(argv[0]) and python_command(argv)[2])
            )
            return Deps() if traced else process_deps(argv, str(record["cwd"]), self.root_text)
        if kind == "fork":
            relatives = [self.relative(str(p)) for p in cast("list[object]", record["paths"])]
            modules = {module_for_path(r) for r in relatives if r}
            return Deps(modules={m for m in modules if m and not m.startswith("tools.gate.")})
        return Deps()

    def replay(self, log: Path) -> None:
        """Take what the test's child processes logged (one JSON record a line)."""
        with self.mute():
            try:
                lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
        for line in lines:
            try:
                self.take(cast("dict[str, object]", json.loads(line)))
            except ValueError:
                continue  # a child killed mid-line

    def deps_of(self, home: str, fixture_names: Sequence[str]) -> Deps:
        """A new test's dependencies so far: its module's import, its wide-scope fixtures."""
        deps = Deps()
        for found in [self.by_module_file.get(home), *map(self.by_fixture.get, fixture_names)]:
            deps.update(found or Deps())
        return deps
