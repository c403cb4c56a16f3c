"""The working-tree copies, the loopback worker's helpers, the supervision of the workers and
their pytest fork servers, and the client run as cosmic-ray runs it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import write_map
from tools.mutation.errors import MutationError
from tools.mutation.processes import start_workers, stop_processes, tool_env
from tools.mutation.pytest_client import SOCKET_NAME, request_bytes, run_on_server
from tools.mutation.pytest_server import repository_modules
from tools.mutation.settings import Settings
from tools.mutation.snapshot import copy_files, repository_files
from tools.mutation.worker import bind_loopback, child_pids, process_table
from tools.process import TAIL_CHARS

pytestmark = pytest.mark.unit

needs_cosmic_ray = pytest.mark.skipif(
    importlib.util.find_spec("cosmic_ray") is None,
    reason="cosmic-ray is not installed (the `mutation` dependency group)",
)

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER = REPO_ROOT / "tools" / "mutation" / "pytest_server.py"
CLIENT = REPO_ROOT / "tools" / "mutation" / "pytest_client.py"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_the_copy_holds_tracked_and_new_files_but_not_ignored_or_deleted(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / ".gitignore").write_text(".cache/\n")
    (repo / "pkg" / "a.py").write_text("a = 1\n")
    (repo / "gone.py").write_text("x\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    (repo / "pkg" / "a.py").write_text("a = 2\n")  # uncommitted edit
    (repo / "pkg" / "new.py").write_text("b = 1\n")  # untracked
    (repo / ".cache").mkdir()
    (repo / ".cache" / "big").write_text("ignored\n")
    (repo / "gone.py").unlink()
    os.utime(repo / "pkg" / "a.py", (1_000_000_000, 1_000_000_000))

    files = repository_files(repo)
    copy_files(repo, files, tmp_path / "copy")

    assert files == [".gitignore", "pkg/a.py", "pkg/new.py"]
    assert (tmp_path / "copy" / "pkg" / "a.py").read_text() == "a = 2\n"
    assert (tmp_path / "copy" / "pkg" / "a.py").stat().st_mtime == 1_000_000_000
    assert not (tmp_path / "copy" / ".cache").exists()
    with pytest.raises(MutationError, match=r"cannot list the files of .*copy: fatal: not a git"):
        repository_files(tmp_path / "copy")


def test_without_git_the_files_cannot_be_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    with pytest.raises(MutationError) as failed:
        repository_files(tmp_path)
    expected = f"cannot list the files of {tmp_path.as_posix()}: git: No such file or directory"
    assert str(failed.value) == expected


def test_a_file_that_cannot_be_copied_is_named(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "kept.py").write_text("x = 1\n")
    with pytest.raises(MutationError) as failed:
        copy_files(tmp_path / "repo", ["kept.py", "gone.py"], tmp_path / "copy")
    assert str(failed.value) == (
        "cannot copy gone.py ([Errno 2] No such file or directory:"
        f" '{tmp_path / 'repo' / 'gone.py'}')"
    )
    assert (tmp_path / "copy" / "kept.py").read_text() == "x = 1\n"


def test_the_worker_socket_listens_on_loopback_only() -> None:
    with bind_loopback() as sock:
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


def test_child_pids_lists_the_processes_this_one_started() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        table = process_table()
        assert child.pid in child_pids(os.getpid(), table)
        assert child_pids(child.pid, table) == []
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def test_without_ps_the_process_table_is_empty(tmp_path: Path) -> None:
    assert process_table([str(tmp_path / "no-ps")]) == ""


def test_the_request_is_length_prefixed_json() -> None:
    data = request_bytes(["-q", "t.py"], "/work", {"A": "1"})
    assert int.from_bytes(data[:8], "big") == len(data) - 8
    assert data[8:] == b'{"args": ["-q", "t.py"], "cwd": "/work", "env": {"A": "1"}}'


def run_client(project: Path, options: list[str]) -> subprocess.CompletedProcess[str]:
    """The client as cosmic-ray starts it: a script without site-packages, in the copy."""
    return subprocess.run(
        [sys.executable, "-S", str(CLIENT), *options, "--", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "MARK": "client", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def options(project: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The client's arguments: a pristine copy of the tiny project and a map in which
    test_double executes the body of ``double``."""
    elsewhere = tmp_path_factory.mktemp("client")
    shutil.copytree(project, elsewhere / "pristine")
    write_map(elsewhere / "map", {"calc.py": ([("test_calc.py::test_double", 0.01)], {2: [0]})})
    return [
        *("--pristine", str(elsewhere / "pristine"), "--map", str(elsewhere / "map")),
        *("--timeout-factor", "1", "--min-timeout", "60", "--budget", "60"),
    ]


def test_without_a_server_the_client_runs_pytest_itself(project: Path, options: list[str]) -> None:
    assert run_on_server(project / SOCKET_NAME, ["-q"], 60.0, 1) is None
    (project / "calc.py").write_text("def double(x):\n    return x * 2\n")
    passed = run_client(project, options)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.startswith("mutation: calc.py lines [2]: 1 test(s)\n")
    assert "1 passed" in passed.stdout


def test_the_fork_server_runs_each_request_in_a_fresh_child(
    project: Path, options: list[str]
) -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            str(SERVER),
            "--socket",
            str(project / SOCKET_NAME),
            "--preload",
            "pytest",
        ],
        cwd=project,
        env={**os.environ, "MARK": "server"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline() == "ready\n"
        # Two mutants of the same size, one after the other: the next child imports the
        # changed module, not a cached one.
        (project / "calc.py").write_text("def double(x):\n    return x * 2\n")
        passed = run_client(project, options)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "1 passed" in passed.stdout

        (project / "calc.py").write_text("def double(x):\n    return 2 + x\n")
        failed = run_client(project, options)
        assert failed.returncode == 1
        assert "assert 5 == 6" in failed.stdout
        assert "1 failed" in failed.stdout
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert server.returncode == 128 + 15


def test_the_server_refuses_to_have_preloaded_repository_modules(tmp_path: Path) -> None:
    inside = repository_modules((REPO_ROOT / "tools" / "mutation").resolve())
    assert "tools.mutation.pytest_server" in inside
    assert "pytest" not in inside
    assert repository_modules(tmp_path) == []


def test_tools_cache_bytecode_in_the_prefix_and_run_this_interpreter(tmp_path: Path) -> None:
    env = tool_env(tmp_path / "pycache")
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def settings(*preload: str) -> Settings:
    return Settings(
        packages=("pkg",),
        excluded={},
        min_scores={},
        default_min_score=90.0,
        timeout=10.0,
        timeout_factor=3.0,
        min_timeout=5.0,
        test_budget=60.0,
        pytest_args=(),
        test_env={"PYTHONHASHSEED": "0"},
        preload=preload,
        exclude_operators=(),
    )


def test_stop_terminates_the_running_and_passes_over_the_finished() -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"], text=True)
    finished.wait(timeout=60)
    running = subprocess.Popen(
        [sys.executable, "-c", "import sys; print('up', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert running.stdout is not None
    assert running.stdout.readline() == "up\n"

    stop_processes([finished, running])

    assert finished.returncode == 0
    assert running.returncode == -15  # SIGTERM
    assert running.stdout.closed
    assert running.stdin is not None
    running.stdin.close()


def test_stop_kills_a_process_that_outlives_the_grace_period() -> None:
    deaf = (
        "import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        " print('up', flush=True); sys.stdin.read()"
    )
    stubborn = subprocess.Popen(
        [sys.executable, "-c", deaf], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == "up\n"

    stop_processes([stubborn], grace=0.2)

    assert stubborn.returncode == -9  # SIGKILL: SIGTERM was ignored
    assert stubborn.stdout.closed
    assert stubborn.stdin is not None
    stubborn.stdin.close()


@needs_cosmic_ray
def test_workers_and_servers_start_in_their_directories_and_stop_with_the_block(
    tmp_path: Path,
) -> None:
    directories = [tmp_path / "worker-0", tmp_path / "worker-1"]
    for directory in directories:
        directory.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()

    with start_workers(directories, settings("json"), dict(os.environ), logs) as workers:
        assert [w.directory for w in workers] == directories
        assert all(w.url.startswith("http://127.0.0.1:") for w in workers)
        assert len({w.url for w in workers}) == 2
        assert all(w.process.poll() is None for w in workers)
        assert all((d / SOCKET_NAME).is_socket() for d in directories)

    assert [w.process.returncode for w in workers] == [143, 143]
    assert sorted(p.name for p in logs.iterdir()) == [
        "pytest-server-0.log",
        "pytest-server-1.log",
        "worker-0.log",
        "worker-1.log",
    ]
    assert (logs / "pytest-server-1.log").read_text(encoding="utf-8") == (
        "pytest server: preloaded json; writes bytecode: False\n"
    )


@needs_cosmic_ray
def test_without_preloads_the_workers_start_without_servers(tmp_path: Path) -> None:
    directory = tmp_path / "worker-0"
    directory.mkdir()
    with start_workers([directory], settings(), dict(os.environ), tmp_path) as workers:
        assert workers[0].url.startswith("http://127.0.0.1:")
        assert not (directory / SOCKET_NAME).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["worker-0", "worker-0.log"]


def test_a_pytest_server_that_cannot_start_stops_the_run_with_its_log(tmp_path: Path) -> None:
    directory = tmp_path / "worker-0"
    directory.mkdir()
    with (
        pytest.raises(MutationError, match=r"^pytest server did not start:\n") as failed,
        start_workers([directory], settings("no_such_module_here"), dict(os.environ), tmp_path),
    ):
        pass
    assert "ModuleNotFoundError: No module named 'no_such_module_here'" in str(failed.value)


def test_a_worker_that_prints_something_else_than_its_port_stops_the_run(
    tmp_path: Path,
) -> None:
    # A site customisation that talks first: the worker's first line is not its port.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("print('hello from sitecustomize', flush=True)\n")
    directory = tmp_path / "worker-0"
    directory.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    with (
        pytest.raises(MutationError) as failed,
        start_workers([directory], settings(), env, tmp_path),
    ):
        pass
    assert str(failed.value) == "worker 0 printed 'hello from sitecustomize' instead of its port"


def site_with(tmp_path: Path, code: str) -> dict[str, str]:
    """An environment whose processes all run ``code`` first, as a site customisation."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(code, encoding="utf-8")
    return {**os.environ, "PYTHONPATH": str(site)}


def start_failure(tmp_path: Path, code: str, *preload: str) -> str:
    """Why one worker (with a server when ``preload`` names modules) fails to start when every
    process runs ``code`` first."""
    directory = tmp_path / "worker-0"
    directory.mkdir()
    env = site_with(tmp_path, code)
    with (
        pytest.raises(MutationError) as failed,
        start_workers([directory], settings(*preload), env, tmp_path),
    ):
        pass
    return str(failed.value)


def test_a_worker_that_dies_without_a_word_stops_the_run_with_its_log(tmp_path: Path) -> None:
    code = "import os, sys\nsys.stderr.write('broken\\n')\nos._exit(3)\n"
    assert start_failure(tmp_path, code) == "worker did not start:\nbroken\n"


def test_a_worker_that_dies_with_a_long_log_is_reported_with_the_tail_of_it(
    tmp_path: Path,
) -> None:
    code = "import os, sys\nsys.stderr.write('head ' + 'x' * 5000 + ' tail\\n')\nos._exit(3)\n"
    log = ("x" * (TAIL_CHARS - len(" tail\n"))) + " tail\n"
    assert start_failure(tmp_path, code) == f"worker did not start:\n{log}"


def test_a_pytest_server_that_prints_something_else_than_ready_stops_the_run(
    tmp_path: Path,
) -> None:
    code = "print('hello from sitecustomize', flush=True)\n"
    assert start_failure(tmp_path, code, "json").startswith("pytest server did not start:\n")


def test_each_process_starts_in_a_session_of_its_own(tmp_path: Path) -> None:
    """Out of the run's session, a Ctrl-C in its terminal does not reach the workers: the run
    stops them itself, each with its test run (its first line here tells where it runs)."""
    code = "import os\nprint('own' if os.getsid(0) == os.getpid() else 'shared', flush=True)\n"
    assert start_failure(tmp_path, code) == "worker 0 printed 'own' instead of its port"


@needs_cosmic_ray
def test_a_server_starts_in_a_directory_too_long_for_a_socket_path(tmp_path: Path) -> None:
    """A Unix socket's path holds about 100 bytes (104 on macOS, whose temporary directory
    is long): the server's is named relative to its directory."""
    directory = tmp_path / ("d" * 120) / "worker-0"
    directory.mkdir(parents=True)
    assert len(str(directory / SOCKET_NAME)) > 150
    with start_workers([directory], settings("json"), dict(os.environ), tmp_path) as workers:
        assert workers[0].process.poll() is None
        assert (directory / SOCKET_NAME).is_socket()
