"""One cosmic-ray HTTP worker that listens on the loopback interface only.

Usage: ``python tools/mutation/worker.py`` (started by :mod:`tools.mutation.run`, one per
worker, each with its own copy of the repository as the current directory; run as a script so
that it imports nothing from that copy).

``cosmic-ray http-worker --port N`` serves cosmic-ray's mutate-and-test endpoint on every
network interface, and that endpoint runs whatever test command a request names. This module
serves the same endpoint (``cosmic_ray.distribution.http.handle_mutate_and_test``, which the
``http`` distributor of ``cosmic-ray exec`` talks to) on a socket that it binds to 127.0.0.1
itself, on a port the kernel picks, so there is no race for a free port and nothing listens
beyond this machine. The first line on stdout is the port (the socket already accepts
connections then); it serves until SIGTERM or SIGINT.

On SIGTERM or SIGINT it first kills the test run in progress, with everything that run
started: cosmic-ray starts each test command in a session of its own, so stopping the worker
alone would leave a mutant's tests (possibly an endless loop) running. That process is found
in the process table that ``ps`` lists (the same on Linux and macOS).

aiohttp and cosmic-ray are imported at run time: they come with the ``mutation`` dependency
group, which the type checker's environment does not need.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

LOOPBACK = "127.0.0.1"


def bind_loopback() -> socket.socket:
    """A listening TCP socket on 127.0.0.1 with a port chosen by the kernel."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((LOOPBACK, 0))
    # Equivalent: cosmic-ray sends a worker one request at a time; 16 is room to spare.
    sock.listen(16)  # pragma: no mutate
    return sock


def child_pids(parent: int, table: str) -> list[int]:
    """The processes whose parent is ``parent``, from ``ps -A -o pid= -o ppid=`` output."""
    children: list[int] = []
    for row in table.splitlines():
        fields = row.split()
        if len(fields) == 2 and fields[1] == str(parent) and fields[0].isdigit():
            children.append(int(fields[0]))
    return sorted(children)


PS_COMMAND = ("ps", "-A", "-o", "pid=", "-o", "ppid=")


def process_table(command: Sequence[str] = PS_COMMAND) -> str:
    """Every process with its parent, one ``pid ppid`` row each; empty when ``ps`` fails."""
    try:
        listed = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            check=False,
            # Equivalent: a backstop for a ps that hangs; no test waits 10 s for one.
            timeout=10,  # pragma: no mutate
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return listed.stdout


def stop(signum: int, frame: FrameType | None) -> None:
    """Kill every test run this worker started (each leads its own process group), then exit."""
    for pid in child_pids(os.getpid(), process_table()):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    os._exit(128 + signum)


def main() -> None:
    # Run as a script, sys.path[0] is this file's directory: nothing of it is needed.
    del sys.path[0]
    web: Any = importlib.import_module("aiohttp.web")
    cosmic_ray_http: Any = importlib.import_module("cosmic_ray.distribution.http")
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app = web.Application()
    app.add_routes([web.post("/", cosmic_ray_http.handle_mutate_and_test)])
    print(port, flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=False)


if __name__ == "__main__":
    main()
