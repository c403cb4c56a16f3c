"""Run one command and say why it failed: the one subprocess runner of tools/.

:func:`run` takes an argument list (never a shell string) and returns what the command did;
it never raises for the command's own failure, and a program that cannot start is reported
like a shell does (status 127 plus a message). Output is decoded as UTF-8 without newline
translation (a ``\\r`` stays a ``\\r``), undecodable bytes as surrogate escapes.

:func:`failure_line` picks the line to show when a command failed: the cause, not the noise.
Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

NOT_STARTED = 127
"""The status of a command whose program could not be started (as a POSIX shell reports it)."""

_ENCODING = "utf-8"
_ERRORS = "surrogateescape"
_CAUSE_PREFIXES = ("remote:", "! [", "error:", "fatal:")
"""Line prefixes that name a cause, most specific first: a remote hook's own reason, git's
per-ref rejection, then git's (and many tools') error and fatal lines."""
_PUSH_DESTINATION = re.compile(r"^To \S+$")
"""The line git push prints before its per-ref results: where, never why."""


@dataclass(frozen=True)
class Completed:
    """What one command did: its argument list, exit status and both output streams."""

    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    started: bool = True

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _decode(data: bytes) -> str:
    return data.decode(_ENCODING, _ERRORS)


def run(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    echo: Callable[[str], object] | None = None,
    timeout: float | None = None,
) -> Completed:
    """Run ``command`` in ``cwd`` and wait for it.

    With ``echo`` the command's stderr joins its stdout and ``echo`` is called with every line
    as it arrives (a long gate shows progress); ``stderr`` is then empty. Without ``input_text``
    the command reads nothing (stdin is ``/dev/null``). With ``timeout`` the command runs in a
    session of its own, killed with everything it started once ``timeout`` seconds have passed
    (its status is then ``-SIGKILL``); what it leaves running in that session, or all of it
    when the wait is cut short (Ctrl-C), is killed when ``run`` returns.
    """
    arguments = tuple(command)
    environment = None if env is None else dict(env)
    stdin_data = None if input_text is None else input_text.encode(_ENCODING, _ERRORS)
    try:
        process = subprocess.Popen(
            arguments,
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL if stdin_data is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if echo is not None else subprocess.PIPE,
            start_new_session=timeout is not None,
        )
    except OSError as error:
        reason = error.strerror or str(error)
        return Completed(arguments, NOT_STARTED, "", f"{arguments[0]}: {reason}\n", started=False)
    if timeout is None:
        return _wait(process, arguments, stdin_data, echo)
    deadline = threading.Timer(timeout, _kill_group, (process.pid,))
    deadline.start()
    try:
        return _wait(process, arguments, stdin_data, echo)
    finally:
        deadline.cancel()
        _kill_group(process.pid)  # what it left running, or all of it if the wait was cut short


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended just now
        os.killpg(pid, signal.SIGKILL)


def _wait(
    process: subprocess.Popen[bytes],
    arguments: tuple[str, ...],
    stdin_data: bytes | None,
    echo: Callable[[str], object] | None,
) -> Completed:
    if echo is None:
        out, err = process.communicate(stdin_data)
        return Completed(arguments, process.returncode, _decode(out), _decode(err))
    collected: list[str] = []
    with process:
        assert process.stdout is not None  # stdout=PIPE
        for raw in process.stdout:
            line = _decode(raw)
            collected.append(line)
            echo(line)
    return Completed(arguments, process.wait(), "".join(collected), "")


TAIL_CHARS = 2000
"""How much of a failed command's output a message quotes: enough to see why, not a log."""


def output_tail(result: Completed) -> str:
    """The last :data:`TAIL_CHARS` characters of what ``result`` printed, stderr last."""
    return "\n".join(t for t in (result.stdout.strip(), result.stderr.strip()) if t)[-TAIL_CHARS:]


def failure_line(result: Completed) -> str:
    """The line that says why ``result`` failed.

    Searched in stderr, then stdout: the first ``remote:`` line with text (a server-side hook's
    reason), else the first ``! [...]`` line (git's rejection of one ref), else the first
    ``error:``, else the first ``fatal:`` line; failing those, the first line that is not a
    bare ``To <url>`` or a ``hint:``; failing that, the exit status.
    """
    lines = [line.strip() for line in (result.stderr + "\n" + result.stdout).splitlines()]
    lines = [line for line in lines if line and line != "remote:"]
    for prefix in _CAUSE_PREFIXES:
        for line in lines:
            if line.startswith(prefix):
                return " ".join(line.split()) if prefix == "! [" else line
    for line in lines:
        if not (line.startswith("hint:") or _PUSH_DESTINATION.match(line)):
            return line
    return f"exit status {result.returncode}"
