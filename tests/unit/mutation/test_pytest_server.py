"""The pytest fork server on its own: how it reads a request, what its children take over,
what goes back to the client, and how it starts and stops.

The server is a real subprocess (``tools/mutation/pytest_server.py``) that preloads nothing and
starts in a directory of its own; the requests run in a project whose ``pytest.py`` is a
stand-in (:data:`FAKE_PYTEST`) that the child imports in a millisecond instead of pytest, and
that does what its first argument says: exit with a status, report what the child became, or
block until its stdin is closed. The reading of a request is tested in this process, over a
socket pair, and so is the handling of a request, in a child forked from this process: the
lines they run are this process's.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.unit.mutation.conftest import WAIT_SECONDS, read_until_eof
from tools.mutation.pytest_client import SOCKET_NAME, request_bytes
from tools.mutation.pytest_server import (
    LENGTH_BYTES,
    handle,
    read_request,
    repository_modules,
)
from tools.mutation.pytest_server import main as server_main

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER = REPO_ROOT / "tools" / "mutation" / "pytest_server.py"

FAKE_PYTEST = """\
import json
import os
import sys


def identity(fd):
    stat = os.fstat(fd)
    return [stat.st_dev, stat.st_ino]


def copies_of_the_run_descriptors():
    run = [identity(fd) for fd in (0, 1, 2)]
    copies = []
    for fd in range(3, 256):
        try:
            if identity(fd) in run:
                copies.append(fd)
        except OSError:
            pass
    return copies


def main(args):
    command = args[0]
    if command == "exit":
        return int(args[1])
    if command == "report":
        report = {
            "cwd": os.getcwd(),
            "path0": sys.path[0],
            "env": dict(os.environ),
            "args": args,
            "descriptors": [identity(fd) for fd in (0, 1, 2)],
            "copies": copies_of_the_run_descriptors(),
        }
        print(json.dumps(report))
        return 0
    if command == "block":
        print(f"started {os.getpid()}", flush=True)
        print("released" if os.read(0, 1) else "stdin closed", flush=True)
        return 0
    return 99
"""


def client_env() -> dict[str, str]:
    """A request's environment, made when it is sent: the test map gives each test's
    processes their coverage context through the environment while that test runs."""
    return {**os.environ, "MARK": "client"}


def buffered_env() -> dict[str, str]:
    """The server's environment, made when it starts (as :func:`client_env`): its stdout is a
    buffered pipe, whatever this process was given."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}


def read_line(fd: int) -> bytes:
    """One line from the pipe ``fd`` (a byte at a time: nothing after it is consumed)."""
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], WAIT_SECONDS)
        assert ready, f"no full line after {WAIT_SECONDS} s; read so far: {line!r}"
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line


def identity(fd: int) -> list[int]:
    stat = os.fstat(fd)
    return [stat.st_dev, stat.st_ino]


class Server:
    """A running fork server (started in ``directory``, preloading nothing)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(exist_ok=True)
        self.socket = directory / SOCKET_NAME
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), "--socket", str(self.socket)],
            cwd=directory,
            env=buffered_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.stdout = self.process.stdout.fileno()
        first = read_line(self.stdout)
        assert first == b"ready\n", self.stop()[1]

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Its exit status and what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        _, err = self.process.communicate(timeout=WAIT_SECONDS)
        return self.process.returncode, err.decode()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The directory the requests run in, with the stand-in ``pytest.py``."""
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "pytest.py").write_text(FAKE_PYTEST)
    return directory


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "server")
    try:
        yield running
    finally:
        running.stop()


class Run:
    """One request on the server: the connection and this side of the run's three pipes."""

    def __init__(self, server: Server, cwd: Path, args: list[str], descriptors: int = 3) -> None:
        stdin_read, self.stdin = os.pipe()
        self.stdout, stdout_write = os.pipe()
        self.stderr, stderr_write = os.pipe()
        child_ends = [stdin_read, stdout_write, stderr_write]
        self.child_identities = [identity(fd) for fd in child_ends]
        self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.connection.connect(str(server.socket))
        self.env = client_env()
        data = request_bytes(args, str(cwd), self.env)
        socket.send_fds(self.connection, [data], child_ends[:descriptors])
        for fd in child_ends:
            os.close(fd)

    def reply(self) -> str:
        """The server's one-line reply ("" when it closed the connection without one)."""
        self.connection.settimeout(WAIT_SECONDS)
        with self.connection.makefile("r", encoding="utf-8") as replies:
            return replies.readline()

    def close(self) -> None:
        self.connection.close()
        for fd in (self.stdin, self.stdout, self.stderr):
            if fd >= 0:
                os.close(fd)


def reply_to(server: Server, cwd: Path, args: list[str], descriptors: int = 3) -> str:
    run = Run(server, cwd, args, descriptors)
    try:
        return run.reply()
    finally:
        run.close()


def test_the_child_takes_over_the_directory_environment_and_descriptors_of_the_request(
    project: Path, server: Server
) -> None:
    run = Run(server, project, ["report", "--flag"])
    try:
        assert run.reply() == "exit 0\n"
        report = json.loads(read_until_eof(run.stdout))
        assert read_until_eof(run.stderr) == b""
    finally:
        run.close()
    assert Path(report["cwd"]) == project.resolve()
    # The request's directory comes first on the path (the server's own is gone from it).
    assert report["path0"] == str(project)
    assert report["env"] == run.env
    assert report["args"] == ["report", "--flag"]
    # Its stdin, stdout and stderr are the client's, and it keeps no other copy of them.
    assert report["descriptors"] == run.child_identities
    assert report["copies"] == []


@pytest.mark.parametrize("status", [0, 3, 85, 87])
def test_the_client_gets_the_exit_status_of_the_run(
    project: Path, server: Server, status: int
) -> None:
    assert reply_to(server, project, ["exit", str(status)]) == f"exit {status}\n"


def test_a_run_that_exits_with_86_means_fallback(project: Path, server: Server) -> None:
    assert reply_to(server, project, ["exit", "86"]) == "fallback\n"


def test_a_request_without_all_three_descriptors_falls_back(project: Path, server: Server) -> None:
    assert reply_to(server, project, ["exit", "0"], descriptors=2) == "fallback\n"
    # The server goes on with the next request.
    assert reply_to(server, project, ["exit", "0"]) == "exit 0\n"
    _, err = server.stop()
    assert "ValueError: zip() argument 2 is shorter than argument 1" in err


def test_a_run_whose_client_left_is_killed_and_reaped_before_the_next_request(
    project: Path, server: Server
) -> None:
    run = Run(server, project, ["block"])
    try:
        started = read_line(run.stdout).split()
        assert started[0] == b"started"
        run.connection.close()  # as cosmic-ray's timeout kills the client
        assert read_until_eof(run.stdout) == b""  # killed: it never saw its stdin close
    finally:
        run.close()
    assert reply_to(server, project, ["exit", "0"]) == "exit 0\n"
    # Not even a zombie is left of the killed child.
    with pytest.raises(ProcessLookupError):
        os.kill(int(started[1]), 0)
    assert server.stop() == (
        128 + signal.SIGTERM,
        "pytest server: preloaded nothing; writes bytecode: False\n",
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_server_exits_128_plus_the_signal_and_kills_the_run_in_progress(
    project: Path, server: Server, signum: int
) -> None:
    run = Run(server, project, ["block"])
    try:
        assert read_line(run.stdout).startswith(b"started ")

        status, _ = server.stop(signum)

        assert status == 128 + signum
        os.close(run.stdin)  # a run still alive would now say "stdin closed"
        run.stdin = -1
        assert read_until_eof(run.stdout) == b""
        assert run.reply() == ""
    finally:
        run.close()


def test_the_server_does_not_import_from_its_own_directory(tmp_path: Path) -> None:
    # pytest_client.py lies beside the server script, which Python put first on its path.
    command = [sys.executable, str(SERVER), "--socket", str(tmp_path / SOCKET_NAME)]
    process = subprocess.Popen(
        [*command, "--preload", "pytest_client"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        assert read_line(process.stdout.fileno()) == b""  # never ready
    finally:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 1
    assert err.decode().endswith("ModuleNotFoundError: No module named 'pytest_client'\n")


def test_the_socket_option_is_required(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(SERVER)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_SECONDS,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.endswith(
        "pytest_server.py: error: the following arguments are required: --socket\n"
    )


def test_the_repository_s_modules_are_the_imported_ones_with_a_file_under_its_root(
    tmp_path: Path,
) -> None:
    inside = repository_modules(SERVER.parent.resolve())
    assert {"tools.mutation.pytest_client", "tools.mutation.pytest_server"} <= set(inside)
    assert inside == sorted(inside)
    assert all(name.startswith("tools.mutation.") for name in inside)
    assert repository_modules(tmp_path.resolve()) == []


def test_an_empty_request_is_malformed_json_not_a_cut_off_one() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        theirs.sendall((0).to_bytes(LENGTH_BYTES, "big"))
        theirs.shutdown(socket.SHUT_WR)
        with pytest.raises(json.JSONDecodeError, match="Expecting value"):
            read_request(ours)


def test_only_three_descriptors_are_taken_from_a_request() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    read_end, write_end = os.pipe()
    fds: list[int] = []
    try:
        with ours, theirs:
            sent = [read_end, write_end, write_end, read_end]
            socket.send_fds(theirs, [request_bytes(["-q"], "/work", {})], sent)
            request, fds = read_request(ours)
        assert request == {"args": ["-q"], "cwd": "/work", "env": {}}
        assert [identity(fd) for fd in fds] == [identity(fd) for fd in sent[:3]]
    finally:
        for fd in (read_end, write_end, *fds):
            os.close(fd)


def test_a_request_whose_descriptors_come_with_its_first_bytes_only_is_read_whole() -> None:
    data = request_bytes(["-q", "test_a.py"], "/work", {"A": "1"})
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    read_end, write_end = os.pipe()
    fds: list[int] = []
    try:
        with ours, theirs:
            # The descriptors travel with the length and a few bytes; the rest follows alone.
            socket.send_fds(theirs, [data[: LENGTH_BYTES + 4]], [read_end, write_end, write_end])
            theirs.sendall(data[LENGTH_BYTES + 4 :])
            request, fds = read_request(ours)
        assert request == {"args": ["-q", "test_a.py"], "cwd": "/work", "env": {"A": "1"}}
        assert len(fds) == 3
    finally:
        for fd in (read_end, write_end, *fds):
            os.close(fd)


def test_without_a_socket_the_server_exits_2_before_it_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "path", [*sys.path])  # main puts the current directory first
    with pytest.raises(SystemExit) as exited:
        server_main([])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        "pytest_server.py: error: the following arguments are required: --socket\n"
    )


# The server's own functions in this process: handle() forks this process, and the child takes
# over the run's streams (socket pairs, so that each end has an identity of its own) and calls
# the ``main`` of a stand-in ``pytest`` module put in sys.modules for the call.

RunMain = Callable[[list[str]], int]


class Handled:
    """One request handled in this process: the client's side of the connection and of the
    run's stdin, stdout and stderr, and the identities of the ends the child was sent."""

    def __init__(self, cwd: Path, args: list[str], descriptors: int = 3) -> None:
        self.connection, self.client = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(3)]
        self.streams = [ours for ours, _ in pairs]
        self.child_identities = [identity(theirs.fileno()) for _, theirs in pairs]
        data = request_bytes(args, str(cwd), {"MARK": "client"})
        sent = [theirs.fileno() for _, theirs in pairs][:descriptors]
        socket.send_fds(self.client, [data], sent)
        for _, theirs in pairs:
            theirs.close()

    def handle(self, monkeypatch: pytest.MonkeyPatch, run_main: RunMain) -> None:
        stand_in = ModuleType("pytest")
        vars(stand_in)["main"] = run_main
        # As in the server, sys.stderr writes to descriptor 2 (the child's is the run's stderr).
        stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        with stderr, monkeypatch.context() as patch:
            patch.setitem(sys.modules, "pytest", stand_in)
            patch.setattr(sys, "stderr", stderr)
            assert handle(self.connection) is None
        self.connection.close()

    def reply(self) -> str:
        return read_to_eof(self.client).decode()

    def output(self, stream: int) -> bytes:
        return read_to_eof(self.streams[stream])

    def close(self) -> None:
        for end in (self.connection, self.client, *self.streams):
            end.close()


def read_to_eof(end: socket.socket) -> bytes:
    """What is left to read on ``end``, whose peer must be closed in every process by now."""
    end.setblocking(False)
    data = b""
    while True:
        try:
            chunk = end.recv(1 << 16)
        except BlockingIOError:
            pytest.fail(f"a copy of the peer is still open; read so far: {data!r}")
        if not chunk:
            return data
        data += chunk


def copies_of_the_run_streams() -> list[int]:
    """The descriptors other than 0, 1 and 2 that refer to what 0, 1 and 2 refer to."""
    run = [identity(fd) for fd in (0, 1, 2)]
    copies: list[int] = []
    for entry in Path("/dev/fd").iterdir():
        fd = int(entry.name)
        with contextlib.suppress(OSError):
            if fd > 2 and identity(fd) in run:
                copies.append(fd)
    return sorted(copies)


def exit_with(status: int) -> RunMain:
    def run_main(args: list[str]) -> int:
        return status

    return run_main


def test_a_forked_child_takes_over_the_directory_path_and_streams_and_keeps_no_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def report(args: list[str]) -> int:
        seen = {
            "args": args,
            "cwd": str(Path.cwd()),
            "path0": sys.path[0],
            "env": dict(os.environ),
            "streams": [identity(fd) for fd in (0, 1, 2)],
            "copies": copies_of_the_run_streams(),
        }
        os.write(1, json.dumps(seen).encode())
        os.write(2, b"on stderr")
        return 0

    request = Handled(tmp_path, ["-q", "test_a.py"])
    try:
        request.handle(monkeypatch, report)
        assert request.reply() == "exit 0\n"
        # The server closed its copies of the streams: the child's exit ends them.
        seen = json.loads(request.output(1))
        assert request.output(2) == b"on stderr"
    finally:
        request.close()
    assert seen == {
        "args": ["-q", "test_a.py"],
        "cwd": str(tmp_path.resolve()),
        "path0": str(tmp_path),
        "env": {"MARK": "client"},
        "streams": request.child_identities,
        "copies": [],
    }


@pytest.mark.parametrize(("status", "reply"), [(85, "exit 85\n"), (86, "fallback\n")])
def test_the_run_s_exit_status_goes_back_and_86_means_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, reply: str
) -> None:
    request = Handled(tmp_path, [])
    try:
        request.handle(monkeypatch, exit_with(status))
        assert request.reply() == reply
    finally:
        request.close()


def test_a_request_with_two_descriptors_falls_back_and_the_server_logs_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    request = Handled(tmp_path, [], descriptors=2)
    try:
        request.handle(monkeypatch, exit_with(0))
        assert request.reply() == "fallback\n"
    finally:
        request.close()
    assert "ValueError: zip() argument 2 is shorter than argument 1" in capfd.readouterr().err


def test_a_child_that_cannot_enter_the_directory_tells_the_run_s_stderr_and_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = Handled(tmp_path / "missing", [])
    try:
        request.handle(monkeypatch, exit_with(0))
        assert request.reply() == "fallback\n"
        stderr = request.output(2).decode()
    finally:
        request.close()
    assert stderr.startswith("Traceback (most recent call last):\n")
    assert f"FileNotFoundError: [Errno 2] No such file or directory: '{tmp_path}/missing'" in stderr


def test_the_repository_s_modules_are_those_whose_real_file_resolves_under_its_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (tmp_path / "outside.py").write_text("")
    (root / "link.py").symlink_to(tmp_path / "outside.py")

    def module(name: str, location: object) -> ModuleType:
        made = ModuleType(name)
        vars(made)["__file__"] = location
        return made

    modules = {
        "pkg.inside": module("pkg.inside", str(root / "pkg" / "inside.py")),
        "first": module("first", str(root / "first.py")),
        "outside": module("outside", str(tmp_path / "outside.py")),
        "link": module("link", str(root / "link.py")),  # resolves outside the root
        "made_up": module("made_up", "pkg/made_up.py"),  # relative, as torch.ops has it
        "no_path": module("no_path", None),
        "builtin": ModuleType("builtin"),
    }
    with monkeypatch.context() as patch:
        patch.chdir(root)
        patch.setattr(sys, "modules", modules)
        inside = repository_modules(root.resolve())
    assert inside == ["first", "pkg.inside"]
