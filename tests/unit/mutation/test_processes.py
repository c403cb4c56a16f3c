"""The working-tree copies, the loopback worker's helpers and the pytest fork server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tools.mutation.errors import MutationError
from tools.mutation.processes import tool_env
from tools.mutation.pytest_client import SOCKET_NAME, request_bytes, run_on_server
from tools.mutation.pytest_server import repository_modules
from tools.mutation.snapshot import copy_files, repository_files
from tools.mutation.worker import bind_loopback, child_pids, process_table

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER = REPO_ROOT / "tools" / "mutation" / "pytest_server.py"


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


def run_client(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-S", "-m", "tools.mutation.pytest_client", *args],
        cwd=project,
        env={**os.environ, "MARK": "client", "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_without_a_server_the_client_runs_pytest_itself(project: Path) -> None:
    assert run_on_server(project / SOCKET_NAME, ["-q"]) is None
    passed = run_client(project, "-q", "-p", "no:cacheprovider", "test_calc.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "1 passed" in passed.stdout


def test_the_fork_server_runs_each_request_in_a_fresh_child(project: Path) -> None:
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
        passed = run_client(project, "-q", "-p", "no:cacheprovider", "test_calc.py")
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "1 passed" in passed.stdout

        # A mutant: the next child imports the changed module, not a cached one.
        (project / "calc.py").write_text("def double(x):\n    return 2 + x\n")
        failed = run_client(project, "-q", "-p", "no:cacheprovider", "test_calc.py")
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
