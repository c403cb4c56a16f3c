"""``python -S -m tools.mutation.pytest_client ARGS``: ``python -m pytest ARGS``, run by the
pytest fork server of this worker when there is one (:mod:`tools.mutation.pytest_server`).

The test command of every mutation target. It connects to the server's socket in the current
directory (the worker's copy of the repository), passes it the arguments, the directory, the
environment and its own stdin, stdout and stderr, and exits with the status of the test run.
Without a server (or when the server cannot run the request) it becomes ``python -m pytest
ARGS`` itself, so the command works anywhere, only slower. Standard library only, and started
with ``-S``, so it costs a few milliseconds.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

SOCKET_NAME = ".pytest-fork-server.sock"
LENGTH_BYTES = 8


def run_plain(args: Sequence[str]) -> None:
    """Replace this process with ``python -m pytest ARGS`` (with site-packages)."""
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *args])


def request_bytes(args: Sequence[str], cwd: str, env: dict[str, str]) -> bytes:
    payload = json.dumps({"args": list(args), "cwd": cwd, "env": env}).encode()
    return len(payload).to_bytes(LENGTH_BYTES, "big") + payload


def run_on_server(path: Path, args: Sequence[str]) -> int | None:
    """The exit status of the test run on the server at ``path``; None when there is none or
    it did not run the request."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with connection:
        try:
            connection.connect(str(path))
        except OSError:
            return None
        data = request_bytes(args, str(Path.cwd()), dict(os.environ))
        try:
            socket.send_fds(connection, [data], [0, 1, 2])
            reply = connection.makefile("r", encoding="utf-8").readline()
        except OSError:
            return None
    if reply.startswith("exit "):
        return int(reply.split()[1])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    status = run_on_server(Path.cwd() / SOCKET_NAME, args)
    if status is None:
        run_plain(args)
    return 0 if status is None else status


if __name__ == "__main__":
    sys.exit(main())
