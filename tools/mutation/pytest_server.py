"""A pytest fork server: each mutant's test run starts from a process that already imported
torch, instead of paying for a new interpreter and the imports every time.

Usage: ``python tools/mutation/pytest_server.py --socket PATH [--preload MODULE ...]``
(started by :mod:`tools.mutation.processes` in a worker's copy, with the test environment).

It imports the ``--preload`` modules (third-party only: the mutants change the repository's),
listens on a Unix socket and prints ``ready``. For each request of
:mod:`tools.mutation.pytest_client` it forks a child, in a session of its own, that takes over
the request's directory, environment and streams and runs ``pytest.main(args)``; the exit
status goes back, and if the client goes away first, the child's group is killed. The server
never runs a test itself, so every child starts from the same state."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn, cast

FALLBACK_STATUS = 86
"""A child that could not set itself up exits with this; the client then runs pytest itself."""
LENGTH_BYTES = 8
# Equivalent: any positive size reads the same request, in fewer or more pieces.
READ_BYTES = 1 << 16  # pragma: no mutate
# Equivalent: each worker's client talks to its server one request at a time; 8 is room to spare.
BACKLOG = 8  # pragma: no mutate
_running: list[int] = []
"""The child in progress, killed with its process group when the server is stopped."""


def read_request(connection: socket.socket) -> tuple[dict[str, object], list[int]]:
    """The JSON request (length-prefixed) and the descriptors passed with its first bytes."""
    data, fds, _, _ = socket.recv_fds(connection, READ_BYTES, 3)
    while len(data) < LENGTH_BYTES or len(data) < LENGTH_BYTES + int.from_bytes(
        data[:LENGTH_BYTES], "big"
    ):
        more = connection.recv(READ_BYTES)
        if not more:
            raise ConnectionError("the client closed the connection mid-request")
        data += more
    length = int.from_bytes(data[:LENGTH_BYTES], "big")
    request = json.loads(data[LENGTH_BYTES : LENGTH_BYTES + length])
    return cast("dict[str, object]", request), fds


def run_child(request: dict[str, object], fds: list[int]) -> int:
    """In the forked child: become the test process the client asked for; its exit status."""
    try:
        os.setsid()
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        cwd = str(request["cwd"])
        os.chdir(cwd)
        sys.path[0] = cwd
        os.environ.clear()
        os.environ.update(cast("dict[str, str]", request["env"]))
        args = [str(arg) for arg in cast("list[object]", request["args"])]
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        pytest = importlib.import_module("pytest")
    except Exception:
        traceback.print_exc()
        return FALLBACK_STATUS
    status = int(pytest.main(args))
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def _wait(pid: int, connection: socket.socket, exited: int) -> int | None:
    """The child's exit code, or None when the client left first (the child is killed).

    ``exited`` is the read end of a pipe whose write end only the child holds: it reaches end
    of file when the child exits, on every POSIX system. The client sends nothing after its
    request, so a readable connection means that the client closed it.
    """
    with selectors.DefaultSelector() as selector:
        selector.register(connection, selectors.EVENT_READ)
        selector.register(exited, selectors.EVENT_READ)
        events = selector.select()
    if any(key.fileobj is connection for key, _ in events):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def handle(connection: socket.socket) -> None:
    request, fds = read_request(connection)
    exited, child_alive = os.pipe()
    pid = os.fork()
    # The child never returns. Coverage restarts in it but cannot trace this frame, which was
    # running at the fork; run_child is measured.
    if pid == 0:  # pragma: no cover
        os.close(exited)
        status = FALLBACK_STATUS
        try:
            status = run_child(request, fds)
        finally:
            os._exit(status)
    os.close(child_alive)
    for fd in fds:
        os.close(fd)
    _running.append(pid)
    try:
        code = _wait(pid, connection, exited)
    finally:
        _running.remove(pid)
        os.close(exited)
    if code is None:
        return
    reply = "fallback\n" if code == FALLBACK_STATUS else f"exit {code}\n"
    with contextlib.suppress(OSError):
        connection.sendall(reply.encode())


def stop(signum: int, frame: FrameType | None) -> None:
    for pid in _running:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    os._exit(128 + signum)


def repository_modules(root: Path) -> list[str]:
    """Imported modules whose file lies under ``root``: a mutant of one would go unseen."""
    inside: list[str] = []
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None)
        # Some modules (torch.ops) carry a made-up relative __file__: only real paths count.
        if (
            isinstance(location, str)
            and Path(location).is_absolute()
            and Path(location).resolve().is_relative_to(root)
        ):
            inside.append(name)
    return sorted(inside)


def serve(path: Path, preload: Sequence[str]) -> NoReturn:
    for name in preload:
        importlib.import_module(name)
    leaked = repository_modules(Path.cwd().resolve())
    if leaked:
        raise SystemExit(
            f"pytest server: preloading imported the repository's own modules {leaked}; a"
            " mutant of them would go unseen, so preload third-party packages only"
        )
    # From here on nothing is written as bytecode: the children import the mutated modules,
    # and a cached copy of one mutant could be taken for the next (same size, same second).
    sys.dont_write_bytecode = True
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(BACKLOG)
    print(
        f"pytest server: preloaded {', '.join(preload) or 'nothing'}; writes bytecode:"
        f" {not sys.dont_write_bytecode}",
        file=sys.stderr,  # line-buffered: each line reaches the log at once
    )
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        with connection:
            try:
                handle(connection)
            except (OSError, ValueError, ConnectionError) as exc:
                print(f"pytest server: request failed: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    # Run as a script, sys.path[0] is this file's directory; a test run expects the current
    # directory there instead, as `python -m pytest` has it.
    sys.path[0] = str(Path.cwd())
    parser = argparse.ArgumentParser(prog="pytest_server.py", description=__doc__)
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--preload", action="append", default=[], metavar="MODULE")
    args = parser.parse_args(argv)
    serve(args.socket, args.preload)


if __name__ == "__main__":
    main()
