"""Turn audit events into the dependencies of the running test (see :mod:`tools.gate.file_deps`).

Python processes the test starts, inheriting its environment, run ``tools/gate/child/
sitecustomize.py`` and log their own events into the test's log file; they are traced, so
their reads and imports become exact dependencies. Other processes get the static rule of
:func:`tools.gate.file_deps.process_deps`.
"""

# String paths and os.path on purpose: the audit hook sees every open() of a test run.
# ruff: noqa: PTH100, PTH109, PTH110, PTH112, PTH120

from __future__ import annotations

import json
import os
import sys
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import cast

from tools.gate.file_deps import Deps, process_deps, repo_relative
from tools.gate.import_graph import module_for_path
from tools.gate.programs import is_python, read_text, runs_python, untraced_python

LOG_VARIABLE = "GATE_DEPS_LOG"
ROOT_VARIABLE = "GATE_DEPS_ROOT"
CHILD_DIRECTORY = Path(__file__).resolve().parent / "child"
"""Holds the ``sitecustomize.py`` that traced child processes run."""


class DepsRecorder:
    """Collects :class:`Deps` for the running test, test-module import or wide-scope fixture."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root_text = str(root)
        self.active: list[Deps] = []
        self.by_module_file: dict[str, Deps] = {}
        self.by_fixture: dict[str, Deps] = {}
        self.pending: dict[str, Deps] = {}
        self._muted = 0
        self.collection_lines: dict[str, set[int]] = {}
        """Lines of repository files that ran while pytest collected (imported) tests."""

    @contextmanager
    def muted(self) -> Generator[None]:
        """The recorder's own file work is nobody's dependency."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    @contextmanager
    def recording(self, deps: Deps) -> Generator[Deps]:
        self.active.append(deps)
        try:
            yield deps
        finally:
            self.active.remove(deps)

    # --- audit events ----------------------------------------------------------------------

    def on_event(self, event: str, args: tuple[object, ...]) -> None:
        if self._muted or not self.active:
            return
        if event == "open":
            self.on_open(args[0], in_import=_in_import())
        elif event in ("os.listdir", "os.scandir"):
            self.on_listing("." if args[0] is None else args[0])
        elif event == "subprocess.Popen":
            self.on_process(_argv(args[1]), args[2], args[3])
        elif event == "os.fork":
            self.on_fork(sys._getframe(1))  # pyright: ignore[reportPrivateUsage]
        elif event in ("os.exec", "os.posix_spawn", "os.spawn"):
            self.on_process(_argv(args[1]) if len(args) > 1 else [], None, None)

    def relative(self, raw: object) -> str | None:
        if raw is None or isinstance(raw, int):
            return None
        try:
            path = os.path.abspath(os.fsdecode(cast("str | bytes", raw)))
        except (TypeError, ValueError):
            return None
        return repo_relative(path, self.root_text)

    def add(self, found: Deps) -> None:
        for deps in self.active:
            deps.update(found)

    def on_open(self, raw: object, in_import: bool = False) -> None:
        relative = self.relative(raw)
        if relative is None or relative == "." or (in_import and relative.endswith(".py")):
            return
        path = self.root_text + os.sep + relative
        with self.muted():
            is_dir, exists = os.path.isdir(path), os.path.exists(path)
        if is_dir:
            self.add(Deps(listings={relative}))
        elif exists:
            self.add(Deps(files={relative}))
        else:  # it may appear later: depend on the directory that would hold it
            self.add(Deps(listings={os.path.dirname(relative) or "."}))

    def on_listing(self, raw: object) -> None:
        relative = self.relative(raw)
        if relative is not None:
            self.add(Deps(listings={relative}))

    def on_process(
        self, argv: Sequence[str], cwd: object, env: object, traced: bool | None = None
    ) -> None:
        """A started process: nothing to add when it logs its own events (a Python process
        that inherits the test's environment), else the static rule."""
        directory = os.getcwd() if cwd is None else os.path.abspath(os.fsdecode(cast("str", cwd)))
        with self.muted():
            if traced is None:
                inherits = env is None or (isinstance(env, dict) and LOG_VARIABLE in env)
                variables = cast("Mapping[str, str]", env) if isinstance(env, dict) else os.environ
                traced = (
                    inherits
                    and bool(argv)
                    and runs_python(argv[0], variables.get("PATH"))
                    and not (is_python(argv[0]) and untraced_python(argv))
                )
            if not traced:
                self.add(process_deps(argv, directory, self.root_text, read_text))

    def on_fork(self, frame: FrameType | None) -> None:
        """A forked child goes on from the frames on the stack: their modules, whole."""
        modules: set[str] = set()
        while frame is not None:
            relative = repo_relative(os.path.abspath(frame.f_code.co_filename), self.root_text)
            module = None if relative is None else module_for_path(relative)
            if module is not None and not module.startswith("tools.gate."):
                modules.add(module)
            frame = frame.f_back
        self.add(Deps(modules=modules))

    def replay(self, log: Path) -> None:
        """Add what traced child processes logged (one JSON object a line)."""
        with self.muted():
            try:
                lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
        for line in lines:
            try:
                record = cast("dict[str, object]", json.loads(line))
            except ValueError:
                continue  # a child killed mid-line
            kind = record.get("event")
            if kind == "open":
                self.on_open(record.get("path"))
            elif kind == "list":
                self.on_listing(record.get("path"))
            elif kind == "process":
                argv = cast("list[str]", record.get("argv") or [])
                self.on_process(argv, record.get("cwd"), None, record.get("inherits") is True)

    def deps_of(self, home: str, fixture_names: Sequence[str]) -> Deps:
        """A new test's dependencies so far: its module's import, its wide-scope fixtures."""
        deps = Deps()
        if home in self.by_module_file:
            deps.update(self.by_module_file[home])
        for name in fixture_names:
            if name in self.by_fixture:
                deps.update(self.by_fixture[name])
        return deps


def _argv(raw: object) -> list[str]:
    """A process's argument list; a shell command line (a string) gives none: opaque."""
    if isinstance(raw, (list, tuple)):
        return [os.fsdecode(arg) for arg in cast("list[str | bytes]", raw)]
    return []


def _in_import() -> bool:
    """Is the running ``open`` the import system loading a module?"""
    frame: FrameType | None = sys._getframe(2)  # pyright: ignore[reportPrivateUsage]
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False
