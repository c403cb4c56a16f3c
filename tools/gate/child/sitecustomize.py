"""Started in every Python process a recorded test starts (``PYTHONPATH`` names this
directory): log which repository files the process opens or runs as modules (``exec`` sees a
module even when its bytecode comes from a cache), which directories it lists and which
processes it starts, for :mod:`tools.gate.deps_recorder` to read back.

Standard library only (it runs in any child Python, where the project may not import, so it
repeats the path test of :meth:`DepsRecorder.relative`), and silent: it must never change
what the process does. It is active
only while ``GATE_DEPS_LOG`` names the log file of the running test.
"""

# ruff: noqa: PTH100, PTH109
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import cast

AuditHook = Callable[[str, tuple[object, ...]], None]

LOG_VARIABLE = "GATE_DEPS_LOG"
ROOT_VARIABLE = "GATE_DEPS_ROOT"


def make_hook(root: str, write: Callable[[dict[str, object]], None]) -> AuditHook:
    """The audit hook: ``write`` one record per open, module run, listing or process start
    below ``root`` (it must not open files itself: the hook ignores events while it writes)."""
    prefix = root + os.sep
    busy: list[bool] = []

    def path_of(raw: object) -> str | None:
        if raw is None or isinstance(raw, int):
            return None
        try:
            path = os.path.abspath(os.fsdecode(cast("str | bytes", raw)))
        except (TypeError, ValueError):
            return None
        return path if path == root or path.startswith(prefix) else None

    def record(event: str, args: tuple[object, ...]) -> dict[str, object] | None:
        if event == "open":
            path = path_of(args[0])
            return None if path is None else {"event": "open", "path": path}
        if event == "exec":  # a module runs: imported from source or from cached bytecode
            path = path_of(getattr(args[0], "co_filename", None))
            return None if path is None else {"event": "open", "path": path}
        if event in ("os.listdir", "os.scandir"):
            path = path_of("." if args[0] is None else args[0])
            return None if path is None else {"event": "list", "path": path}
        if event == "subprocess.Popen":
            argv, cwd, env = args[1], args[2], args[3]
            traced = env is None or (isinstance(env, dict) and LOG_VARIABLE in env)
            shown = (
                [os.fsdecode(a) for a in cast("list[str | bytes]", argv)]
                if isinstance(argv, (list, tuple))
                else []
            )
            where = os.getcwd() if cwd is None else os.fsdecode(cast("str | bytes", cwd))
            return {
                "event": "process",
                "argv": shown,
                "cwd": os.path.abspath(where),
                "traced": traced,
            }
        return None

    def hook(event: str, args: tuple[object, ...]) -> None:
        if busy:
            return
        busy.append(True)
        try:
            found = record(event, args)
            if found is not None:
                write(found)
        finally:
            busy.pop()

    return hook


def line_writer(fd: int) -> Callable[[dict[str, object]], None]:
    """Append one JSON line per record; O_APPEND keeps lines of processes writing at once
    whole."""

    def write(record: dict[str, object]) -> None:
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
