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
from typing import cast

LOG_VARIABLE = "GATE_DEPS_LOG"
ROOT_VARIABLE = "GATE_DEPS_ROOT"


def _install() -> None:
    log_path, root = os.environ.get(LOG_VARIABLE), os.environ.get(ROOT_VARIABLE)
    if not log_path or not root:
        return
    prefix = root + os.sep
    # O_APPEND: lines of processes writing at once never interleave within a line.
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    busy: list[bool] = []

    def write(record: dict[str, object]) -> None:
        busy.append(True)
        try:
            os.write(fd, (json.dumps(record) + "\n").encode("utf-8", "surrogateescape"))
        except OSError:
            pass
        finally:
            busy.pop()

    def path_of(raw: object) -> str | None:
        if raw is None or isinstance(raw, int):
            return None
        try:
            path = os.path.abspath(os.fsdecode(cast("str | bytes", raw)))
        except (TypeError, ValueError):
            return None
        return path if path == root or path.startswith(prefix) else None

    def hook(event: str, args: tuple[object, ...]) -> None:
        if busy:
            return
        if event == "open":
            path = path_of(args[0])
            if path is not None:
                write({"event": "open", "path": path})
        elif event == "exec":  # a module runs: imported from source or from cached bytecode
            path = path_of(getattr(args[0], "co_filename", None))
            if path is not None:
                write({"event": "open", "path": path})
        elif event in ("os.listdir", "os.scandir"):
            path = path_of("." if args[0] is None else args[0])
            if path is not None:
                write({"event": "list", "path": path})
        elif event == "subprocess.Popen":
            argv, cwd, env = args[1], args[2], args[3]
            traced = env is None or (isinstance(env, dict) and LOG_VARIABLE in env)
            shown = (
                [os.fsdecode(a) for a in cast("list[str | bytes]", argv)]
                if isinstance(argv, (list, tuple))
                else []
            )
            where = os.getcwd() if cwd is None else os.fsdecode(cast("str | bytes", cwd))
            write(
                {"event": "process", "argv": shown, "cwd": os.path.abspath(where), "traced": traced}
            )

    sys.addaudithook(hook)


# Never let dependency logging break the process it watches.
with contextlib.suppress(Exception):
    _install()
