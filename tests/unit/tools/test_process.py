"""tools/process.py: the one subprocess runner of tools/ and the failure line it shows."""

from __future__ import annotations

import dataclasses
import os
import select
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.process import NOT_STARTED, TAIL_CHARS, Completed, failure_line, output_tail, run

pytestmark = pytest.mark.unit

PYTHON = sys.executable


def test_run_captures_both_streams_exactly_and_the_status(tmp_path: Path) -> None:
    script = (
        "import sys; sys.stdout.buffer.write(b'a\\r\\nb\\rc\\xff\\n');"
        " sys.stderr.write('err\\n'); raise SystemExit(6)"
    )

    result = run([PYTHON, "-c", script], tmp_path)

    assert result == Completed((PYTHON, "-c", script), 6, "a\r\nb\rc\udcff\n", "err\n")
    assert result.started
    assert not result.ok
    assert result.stdout.encode("utf-8", "surrogateescape") == b"a\r\nb\rc\xff\n"


def test_run_passes_input_the_environment_and_the_directory(tmp_path: Path) -> None:
    script = "import os, sys; print(sys.stdin.read().upper(), os.environ['PROBE'], os.getcwd())"

    result = run([PYTHON, "-c", script], tmp_path, {"PROBE": "seen"}, input_text="héllo\r")

    assert result.ok
    assert result.stdout == f"HÉLLO\r seen {tmp_path}\n"


def test_without_input_the_command_reads_end_of_file(tmp_path: Path) -> None:
    result = run([PYTHON, "-c", "import sys; print(repr(sys.stdin.read()))"], tmp_path)

    assert result.stdout == "''\n"


def test_a_program_that_cannot_start_is_reported_like_a_shell_does(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-program")

    result = run([missing, "pr", "view"], tmp_path)

    assert result.returncode == NOT_STARTED
    assert result.returncode == run(["sh", "-c", f"exec {missing}"], tmp_path).returncode == 127
    assert not result.started
    assert result.stderr == f"{missing}: No such file or directory\n"
    assert failure_line(result) == f"{missing}: No such file or directory"


def test_echo_streams_every_line_and_merges_stderr(tmp_path: Path) -> None:
    script = (
        "import sys; print('one', flush=True); print('two', file=sys.stderr, flush=True);"
        " print('three'); raise SystemExit(3)"
    )
    echoed: list[str] = []

    result = run([PYTHON, "-c", script], tmp_path, echo=echoed.append)

    assert echoed == ["one\n", "two\n", "three\n"]
    assert result == Completed((PYTHON, "-c", script), 3, "one\ntwo\nthree\n", "")


HANG = "import os; r, w = os.pipe(); os.read(r, 1)"
"""Waits forever: nobody writes to the pipe."""
HANG_WITH_CHILD = (
    f"import subprocess, sys; print('started', flush=True);"
    f" subprocess.Popen([sys.executable, '-c', {HANG!r}]); {HANG}"
)


@pytest.mark.parametrize("echo", [None, [].append], ids=["captured", "echoed"])
def test_a_timeout_kills_the_command_and_what_it_started(
    tmp_path: Path, echo: Callable[[str], object] | None
) -> None:
    # run returns only once every holder of the output pipe is gone, the child included.
    result = run([PYTHON, "-c", HANG_WITH_CHILD], tmp_path, echo=echo, timeout=1.0)

    assert result.returncode == -signal.SIGKILL
    assert result.stdout == "started\n"


def test_a_command_within_its_timeout_ends_normally(tmp_path: Path) -> None:
    result = run([PYTHON, "-c", "print('done')"], tmp_path, timeout=60.0)

    assert result == Completed((PYTHON, "-c", "print('done')"), 0, "done\n", "")


SESSION = "import os; print(os.getpid(), os.getsid(0), os.getpgrp())"
"""Prints the command's process id, session id and process group id."""


def test_a_command_without_a_timeout_stays_in_the_caller_s_session_and_group(
    tmp_path: Path,
) -> None:
    pid, session, group = map(int, run([PYTHON, "-c", SESSION], tmp_path).stdout.split())

    assert pid not in (session, group)
    assert (session, group) == (os.getsid(0), os.getpgrp())


def test_a_command_with_a_timeout_leads_a_session_of_its_own(tmp_path: Path) -> None:
    pid, session, group = map(
        int, run([PYTHON, "-c", SESSION], tmp_path, timeout=60.0).stdout.split()
    )

    assert session == group == pid


def test_what_a_command_with_a_timeout_leaves_running_is_killed_when_it_returns(
    tmp_path: Path,
) -> None:
    """The command's child holds a FIFO open for writing and outlives it: once ``run`` has
    returned, the FIFO's reader sees the end of the file as soon as that child is gone."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the child open it at once
    child = f"f = open({str(fifo)!r}, 'w'); print('ready', flush=True); {HANG}"
    script = (
        "import subprocess, sys; c = subprocess.Popen([sys.executable, '-c', "
        f"{child!r}], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL);"
        " c.stdout.readline(); print(c.pid)"
    )
    result = run([PYTHON, "-c", script], tmp_path, timeout=60.0)
    try:
        readable, _, _ = select.select([reader], [], [], 10.0)  # at once unless it survived
        if not readable:  # it did: end it before failing
            os.kill(int(result.stdout), signal.SIGKILL)

        assert result.returncode == 0
        assert readable == [reader]
        assert os.read(reader, 1) == b""
    finally:
        os.close(reader)


def failed(stderr: str, stdout: str = "", status: int = 1) -> Completed:
    return Completed(("git",), status, stdout, stderr)


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "remote: origin is read-only today\nTo /tmp/x/origin.git\n"
            " ! [remote rejected] main -> main (pre-receive hook declined)\n"
            "error: failed to push some refs to '/tmp/x/origin.git'\n",
            "remote: origin is read-only today",
        ),
        (
            "To /tmp/x/origin.git\n ! [rejected]        main -> main (fetch first)\n"
            "error: failed to push some refs to '/tmp/x/origin.git'\n"
            "hint: Updates were rejected because the remote contains work that you do not\n",
            "! [rejected] main -> main (fetch first)",
        ),
        (
            "pre-commit: the quality gate already passed on this exact index.\n"
            "error: gpg failed to sign the data\nfatal: failed to write commit object\n",
            "error: gpg failed to sign the data",
        ),
        (
            "remote:\nfatal: repository '/gone' does not exist\n",
            "fatal: repository '/gone' does not exist",
        ),
        (
            "\n  \nTo /tmp/x/origin.git\nhint: try again\nthe hook's own reason\n",
            "the hook's own reason",
        ),
        ("To /tmp/x/origin.git\n", "exit status 1"),
    ],
    ids=["remote-hook", "non-fast-forward", "signing", "fatal", "plain-line", "only-noise"],
)
def test_failure_line_names_the_cause(stderr: str, expected: str) -> None:
    assert failure_line(failed(stderr)) == expected


def test_failure_line_reads_stdout_after_stderr_and_falls_back_to_the_status() -> None:
    assert failure_line(failed("  \n\n", "12\n")) == "12"
    assert failure_line(failed(" \n", "", 128)) == "exit status 128"


def test_a_sentence_starting_with_to_is_not_taken_for_a_push_destination() -> None:
    message = "To get started with GitHub CLI, please run:  gh auth login"

    assert failure_line(failed(f"{message}\n")) == message


def test_the_tail_of_a_failed_command_is_its_last_characters_with_stderr_last() -> None:
    assert output_tail(Completed(("x",), 1, "  out\n", "err\n")) == "out\nerr"
    assert output_tail(Completed(("x",), 1, "", "  err  ")) == "err"
    assert output_tail(Completed(("x",), 1, "out", "")) == "out"
    assert output_tail(Completed(("x",), 1, "", "")) == ""
    long = "".join(f"{i:05d}" for i in range(1000))  # 5,000 characters, none repeated
    assert output_tail(Completed(("x",), 1, long, "")) == long[-TAIL_CHARS:]
    assert output_tail(Completed(("x",), 1, "out", long)) == long[-TAIL_CHARS:]
    assert TAIL_CHARS == 2000


def test_a_completed_command_is_a_value_that_cannot_change() -> None:
    result = Completed(("true",), 0, "", "")

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.returncode = 1  # type: ignore[misc]
    assert {result, Completed(("true",), 0, "", "")} == {result}
