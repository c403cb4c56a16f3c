"""Log what a process does below the repository root: the files it opens or runs as modules,
the directories it lists, the processes it starts.

:mod:`tools.gate.pytest_deps` hooks :func:`make_hook` into the test process. As
``sitecustomize`` (``PYTHONPATH`` names this directory) it starts in every Python process a
recorded test starts and logs into the test's log file while ``GATE_DEPS_LOG`` names one.
Standard library only (any child Python runs it, where the project may not import) and
silent: it must never change what the process does.
"""

# ruff: noqa: PTH100, PTH109
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from types import FrameType
from typing import cast

AuditHook = Callable[[str, tuple[object, ...]], None]
Record = dict[str, object]

LOG_VARIABLE = "GATE_DEPS_LOG"
ROOT_VARIABLE = "GATE_DEPS_ROOT"
_STARTS = ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn")


def make_hook(root: str, write: Callable[[Record], None], in_test: bool = False) -> AuditHook:
    """The audit hook: ``write`` one record per event below ``root`` (events while it writes
    are ignored). ``in_test``: the test process, whose Python lines testmon traces itself, so
    a module the import system opens or runs is no record, but a fork is (the child goes on
    from the frames on the stack)."""
    prefix = root + os.sep
    busy: list[bool] = []

    def path_of(raw: object) -> str | None:
        try:  # a descriptor (int) or None: os.fsdecode raises TypeError
            path = os.path.abspath(os.fsdecode(cast("str | bytes", raw)))
        except (TypeError, ValueError):
            return None
        return path if path == root or path.startswith(prefix) else None

    def record(event: str, args: tuple[object, ...]) -> Record | None:
        if event == "open" or (event == "exec" and not in_test):
            path = path_of(
                args[0]
                if event == "open"
                # Equivalent: the exec event's one argument is the code object: args[-1] is args[0].
                else getattr(args[0], "co_filename", None)  # pragma: no mutate
            )
            if path is None or (in_test and path.endswith(".py") and _importing()):
                return None
            return {"event": "open", "path": path}
        if event in ("os.listdir", "os.scandir"):
            (listed,) = args  # the path, None for the current directory
            path = path_of("." if listed is None else listed)
            return None if path is None else {"event": "list", "path": path}
        if event in _STARTS:  # Popen: (program, argv, cwd, env); the others: (path, argv, ...)
            _, argv, cwd, env = (*args, None, None, None)[:4]
            if event != "subprocess.Popen":
                cwd, env = None, None
            where = os.getcwd() if cwd is None else os.fsdecode(cast("str", cwd))
            listed = cast("list[str]", argv) if isinstance(argv, (list, tuple)) else []
            return {
                "event": "process",
                "argv": [os.fsdecode(arg) for arg in listed],
                "cwd": os.path.abspath(where),
                "inherits": env is None or (isinstance(env, dict) and LOG_VARIABLE in env),
            }
        if event == "os.fork" and in_test:
            frames = [frame.f_code.co_filename for frame in _frames()]
            return {"event": "fork", "paths": [p for p in map(path_of, frames) if p]}
        return None

    def hook(event: str, args: tuple[object, ...]) -> None:
        if busy:
            return
        # Equivalent: only whether the list is empty is read, never the value appended.
        busy.append(True)  # pragma: no mutate
        try:
            found = record(event, args)
            if found is not None:
                write(found)
        finally:
            busy.pop()

    return hook


def _frames() -> list[FrameType]:
    # Equivalent: another start only adds/drops this file's frames, which deps drop from a fork.
    frame = sys._getframe(1)  # pyright: ignore[reportPrivateUsage]  # pragma: no mutate
    found: list[FrameType] = []
    while frame is not None:
        found.append(frame)
        frame = frame.f_back
    return found


def _importing() -> bool:
    """Is the import system on the stack (loading a module)?"""
    return any(f.f_code.co_filename.startswith("<frozen importlib") for f in _frames())


def line_writer(fd: int) -> Callable[[Record], None]:
    """Append one JSON line per record; O_APPEND keeps lines of processes writing at once
    whole."""

    def write(record: Record) -> None:
        with contextlib.suppress(OSError):
            os.write(fd, (json.dumps(record) + "\n").encode("utf-8", "surrogateescape"))

    return write


def install(environ: Mapping[str, str]) -> bool:
    """Start logging when ``environ`` names a log file and a root; True when it did."""
    log_path, root = environ.get(LOG_VARIABLE), environ.get(ROOT_VARIABLE)
    if not log_path or not root:
        return False
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    sys.addaudithook(make_hook(root, line_writer(fd)))
    return True


# Never let dependency logging break the process it watches.
with contextlib.suppress(Exception):
    install(os.environ)
