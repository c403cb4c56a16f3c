"""The pytest fork server and its client, talking over a real Unix socket.

The server is a real subprocess (``tools/mutation/pytest_server.py``) in a tiny project under
``tmp_path``; the requests come from :func:`run_on_server` and :func:`main` in this process
(the server's children write to this process's descriptors, which ``capfd`` captures) or from
a hand-made client that passes pipes as the test run's stdin, stdout and stderr, so the test
sees when the run starts and when every process holding those pipes is gone.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import WAIT_SECONDS, read_until_eof, write_map
from tools.mutation.pytest_client import (
    SOCKET_NAME,
    TIMED_OUT,
    main,
    request_bytes,
    run_on_server,
)
from tools.mutation.pytest_server import LENGTH_BYTES, read_request

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER = REPO_ROOT / "tools" / "mutation" / "pytest_server.py"
CLIENT = REPO_ROOT / "tools" / "mutation" / "pytest_client.py"
CLIENT_ENV = {"MARK": "client", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""The test runs' environment: no plugins (hypothesis alone takes a second to load)."""
CALC_ARGS = ["-q", "-p", "no:cacheprovider", "test_calc.py"]

# A test that reports its pid and that of a process it started (both holding the run's stdout),
# then waits for one byte on stdin: it runs until the test lets it go or it is killed.
BLOCKING_TEST = """\
import os
import subprocess
import sys


def test_waits_for_stdin():
    helper = subprocess.Popen([sys.executable, "-S", "-c", "import os; os.read(0, 1)"])
    os.write(1, f"started {os.getpid()} {helper.pid}\\n".encode())
    assert os.read(0, 1) == b"x"
    helper.kill()
    helper.wait()
"""


def read_line(fd: int) -> bytes:
    """One line from the pipe ``fd`` (read a byte at a time: nothing after it is consumed)."""
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], WAIT_SECONDS)
        assert ready, f"no full line after {WAIT_SECONDS} s; read so far: {line!r}"
        byte = os.read(fd, 1)
        assert byte, f"the pipe closed after {line!r}"
        line += byte
    return line


def is_gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie not yet reaped counts as gone)."""
    listed = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    state = listed.stdout.strip()
    return state == "" or state.startswith("Z")


@pytest.fixture
def blocking_project(project: Path) -> Path:
    """The tiny project with a test that blocks (:data:`BLOCKING_TEST`)."""
    (project / "test_block.py").write_text(BLOCKING_TEST)
    return project


class Server:
    """A running pytest fork server, its socket and the lines it writes on stderr."""

    def __init__(self, project: Path, *preload: str) -> None:
        self.socket = project / SOCKET_NAME
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(SERVER),
                "--socket",
                str(self.socket),
                *(arg for name in preload for arg in ("--preload", name)),
            ],
            cwd=project,
            env={**os.environ, "MARK": "server"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.stderr = self.process.stderr
        assert self.process.stdout.readline() == "ready\n", self.stderr.read()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.communicate(timeout=WAIT_SECONDS)
        return self.process.returncode


@pytest.fixture
def server(blocking_project: Path) -> Iterator[Server]:
    running = Server(blocking_project, "pytest")
    try:
        yield running
    finally:
        running.stop()


class Pipes:
    """The stdin, stdout and stderr of one test run, as pipes this test holds the other ends
    of."""

    def __init__(self) -> None:
        self.stdin_read, self.stdin_write = os.pipe()
        self.stdout_read, self.stdout_write = os.pipe()
        self.stderr_read, self.stderr_write = os.pipe()

    @property
    def child_ends(self) -> list[int]:
        return [self.stdin_read, self.stdout_write, self.stderr_write]

    def close_child_ends(self) -> None:
        for fd in self.child_ends:
            os.close(fd)

    def close(self) -> None:
        for fd in (self.stdin_write, self.stdout_read, self.stderr_read):
            os.close(fd)


def send_request(server: Server, args: list[str], cwd: Path, pipes: Pipes) -> socket.socket:
    """Connect and send one request with the run's pipes; the child ends are closed here."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(str(server.socket))
    data = request_bytes(args, str(cwd), {**os.environ, **CLIENT_ENV})
    socket.send_fds(connection, [data], pipes.child_ends)
    pipes.close_child_ends()
    return connection


def reply_of(connection: socket.socket) -> str:
    """The server's one-line reply; a server that never answers fails the test (TimeoutError)
    instead of hanging it."""
    connection.settimeout(WAIT_SECONDS)
    with connection, connection.makefile("r", encoding="utf-8") as replies:
        return replies.readline()


def served_next_request(server: Server, project: Path) -> bool:
    """Whether the server runs a passing test and says so."""
    pipes = Pipes()
    try:
        connection = send_request(server, CALC_ARGS, project, pipes)
        return reply_of(connection) == "exit 0\n" and b"1 passed" in read_until_eof(
            pipes.stdout_read
        )
    finally:
        pipes.close()


BLOCK_ARGS = ["-s", "-q", "-p", "no:cacheprovider", "test_block.py"]


def test_a_request_larger_than_one_read_arrives_whole() -> None:
    args = ["-k", "x" * 200_000]
    data = request_bytes(args, "/work", {"A": "1"})
    assert len(data) > 3 * (1 << 16)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    read_end, write_end = os.pipe()
    with ours, theirs:
        sender = threading.Thread(
            target=lambda: socket.send_fds(theirs, [data], [read_end, write_end, write_end])
        )
        sender.start()
        request, fds = read_request(ours)
        sender.join(timeout=WAIT_SECONDS)
    try:
        assert request == {"args": args, "cwd": "/work", "env": {"A": "1"}}
        assert len(fds) == 3
        os.write(write_end, b"passed")
        assert os.read(fds[0], 6) == b"passed"  # the descriptors are the pipe's own
    finally:
        for fd in (read_end, write_end, *fds):
            os.close(fd)


def test_a_client_that_closes_mid_request_is_a_connection_error() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        theirs.sendall((100).to_bytes(LENGTH_BYTES, "big") + b'{"args": ')
        theirs.shutdown(socket.SHUT_WR)
        with pytest.raises(ConnectionError, match="the client closed the connection mid-request"):
            read_request(ours)


def client_options(project: Path, pristine: Path, map_dir: Path) -> list[str]:
    """The client's arguments for the tiny project: a pristine copy of it and a map in which
    test_double executes the body of ``double``."""
    shutil.copytree(project, pristine, ignore=shutil.ignore_patterns(SOCKET_NAME))
    write_map(map_dir, {"calc.py": ([("test_calc.py::test_double", 0.01)], {2: [0]})})
    options = ["--pristine", str(pristine), "--map", str(map_dir)]
    return [*options, "--timeout-factor", "1", "--min-timeout", str(WAIT_SECONDS), "--budget", "60"]


def test_the_client_runs_the_tests_on_the_server_with_its_own_descriptors(
    project: Path,
    server: Server,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(project)
    for name, value in CLIENT_ENV.items():
        monkeypatch.setenv(name, value)

    status = run_on_server(server.socket, CALC_ARGS, WAIT_SECONDS, 1)

    assert status == 0
    out, _ = capfd.readouterr()
    assert "1 passed" in out

    # main() finds the server's socket in the current directory and exits with the run's status.
    elsewhere = tmp_path_factory.mktemp("client")
    options = client_options(project, elsewhere / "pristine", elsewhere / "map")
    (project / "calc.py").write_text("def double(x):\n    return 2 + x\n")
    assert main([*options, "--", "-q", "-p", "no:cacheprovider"]) == 1
    out, _ = capfd.readouterr()
    assert out.startswith("mutation: calc.py lines [2]: 1 test(s)\n")
    assert "assert 5 == 6" in out
    assert "1 failed" in out


def test_a_child_that_cannot_set_itself_up_sends_the_client_to_plain_pytest(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # A server that preloaded nothing: its child imports pytest from the request's directory.
    server = Server(project)
    (project / "pytest.py").write_text("raise ImportError('this pytest is broken')\n")
    monkeypatch.chdir(project)
    try:
        assert run_on_server(server.socket, ["-q", "test_calc.py"], WAIT_SECONDS, 1) is None
    finally:
        server.stop()

    out, _ = capfd.readouterr()  # the run's stdout and stderr both go to the client's output
    assert "ImportError: this pytest is broken" in out


def test_the_server_answers_fallback_when_the_child_cannot_enter_the_directory(
    tmp_path: Path, server: Server
) -> None:
    pipes = Pipes()
    try:
        connection = send_request(server, ["-q"], tmp_path / "missing", pipes)
        assert reply_of(connection) == "fallback\n"
        errors = read_until_eof(pipes.stderr_read).decode()
        assert (
            f"FileNotFoundError: [Errno 2] No such file or directory: '{tmp_path / 'missing'}'"
            in (errors)
        )
        assert read_until_eof(pipes.stdout_read) == b""
    finally:
        pipes.close()


def test_a_client_that_goes_away_has_its_test_run_killed_with_everything_it_started(
    project: Path, server: Server
) -> None:
    pipes = Pipes()
    try:
        connection = send_request(server, BLOCK_ARGS, project, pipes)
        started = read_line(pipes.stdout_read).split()
        assert started[0] == b"started"
        connection.close()  # as cosmic-ray's timeout kills the client

        # Every holder of the run's stdout is gone: the child and the process it started.
        assert read_until_eof(pipes.stdout_read) == b""
    finally:
        pipes.close()
    # The server goes on (having reaped the killed child before it takes the next request).
    assert served_next_request(server, project)
    assert is_gone(int(started[1]))


def test_the_run_finishes_and_its_status_goes_back_when_the_client_waits(
    project: Path, server: Server
) -> None:
    pipes = Pipes()
    try:
        connection = send_request(server, BLOCK_ARGS, project, pipes)
        assert read_line(pipes.stdout_read).startswith(b"started ")
        os.write(pipes.stdin_write, b"x")
        assert reply_of(connection) == "exit 0\n"
        assert b"1 passed" in read_until_eof(pipes.stdout_read)
    finally:
        pipes.close()


def test_stopping_the_server_kills_the_test_run_in_progress(project: Path, server: Server) -> None:
    pipes = Pipes()
    try:
        connection = send_request(server, BLOCK_ARGS, project, pipes)
        assert read_line(pipes.stdout_read).startswith(b"started ")

        assert server.stop() == 128 + signal.SIGTERM

        # Every holder of the run's stdout is gone: the child and the process it started.
        assert read_until_eof(pipes.stdout_read) == b""
        assert reply_of(connection) == ""
    finally:
        pipes.close()


def test_a_malformed_request_is_reported_and_the_server_goes_on(
    project: Path, server: Server
) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(str(server.socket))
        payload = b"{not json"
        connection.sendall(len(payload).to_bytes(LENGTH_BYTES, "big") + payload)
        assert connection.recv(1) == b""  # closed without a reply
    assert server.stderr.readline() == "pytest server: preloaded pytest; writes bytecode: False\n"
    assert server.stderr.readline() == (
        "pytest server: request failed: Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1)\n"
    )
    assert served_next_request(server, project)


def test_preloading_a_repository_module_is_refused(tmp_path: Path) -> None:
    (tmp_path / "local_module.py").write_text("VALUE = 1\n")
    completed = subprocess.run(
        [
            sys.executable,
            str(SERVER),
            "--socket",
            str(tmp_path / SOCKET_NAME),
            "--preload",
            "json",
            "--preload",
            "local_module",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_SECONDS,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr == (
        "pytest server: preloading imported the repository's own modules ['local_module']; a"
        " mutant of them would go unseen, so preload third-party packages only\n"
    )
    assert not (tmp_path / SOCKET_NAME).exists()


def test_the_client_gives_up_when_the_server_drops_the_request(tmp_path: Path) -> None:
    path = tmp_path / SOCKET_NAME
    results: list[int | None] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(1)
        client = threading.Thread(
            target=lambda: results.append(run_on_server(path, ["-q"], WAIT_SECONDS, 1))
        )
        client.start()
        connection, _ = listener.accept()
        with connection:
            ready, _, _ = select.select([connection], [], [], WAIT_SECONDS)
            assert ready  # the request is there; it is dropped unread
        client.join(timeout=WAIT_SECONDS)
    assert results == [None]


def test_the_client_stops_waiting_for_a_server_that_does_not_answer_in_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / SOCKET_NAME
    results: list[int | None] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(1)
        client = threading.Thread(
            target=lambda: results.append(run_on_server(path, ["-q"], 0.2, 1))
        )
        client.start()
        connection, _ = listener.accept()
        with connection:
            ready, _, _ = select.select([connection], [], [], WAIT_SECONDS)
            assert ready  # the request is there; it is never answered
            client.join(timeout=WAIT_SECONDS)
            assert results == [TIMED_OUT]
            # The client closed the connection: a server would now kill the test run.
            connection.settimeout(WAIT_SECONDS)
            while connection.recv(1 << 16):
                pass


def test_a_run_on_the_server_past_its_timeout_counts_as_killed_and_the_server_goes_on(
    project: Path,
    server: Server,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The test opens a named pipe that nobody opens for writing: it blocks until killed.
    (project / "test_calc.py").write_text(
        "def test_double():\n    with open('block.fifo') as fifo:\n        fifo.read()\n"
    )
    elsewhere = tmp_path_factory.mktemp("client")
    options = client_options(project, elsewhere / "pristine", elsewhere / "map")
    os.mkfifo(project / "block.fifo")
    options[options.index("--min-timeout") + 1] = "0.5"
    monkeypatch.chdir(project)
    for name, value in CLIENT_ENV.items():
        monkeypatch.setenv(name, value)
    (project / "calc.py").write_text("def double(x):\n    return 2 + x\n")

    assert main([*options, "--", "-q", "-p", "no:cacheprovider"]) == TIMED_OUT

    out, _ = capfd.readouterr()
    assert out.endswith("mutation: killed: timed out after 1 s\n")
    (project / "test_calc.py").write_text("def test_double():\n    pass\n")
    assert served_next_request(server, project)


def test_without_a_server_the_client_becomes_plain_pytest_with_its_status(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("client")
    options = client_options(project, elsewhere / "pristine", elsewhere / "map")
    (project / "calc.py").write_text("def double(x):\n    return 2 + x\n")
    completed = subprocess.run(
        [sys.executable, "-S", str(CLIENT), *options, "--", *CALC_ARGS],
        cwd=project,
        env={**os.environ, **CLIENT_ENV, "MARK": "not the client"},
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_SECONDS,
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith("mutation: calc.py lines [2]: 1 test(s)\n")
    assert "AssertionError: assert 'not the client' == 'client'" in completed.stdout
    assert "1 failed" in completed.stdout
