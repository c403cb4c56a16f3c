"""The loopback cosmic-ray worker: its process table parsing and the real worker process.

The worker runs as ``python tools/mutation/worker.py`` in a directory under ``tmp_path`` with
one module to mutate; a mutate-and-test request names a test command that reports itself on a
FIFO and then waits forever, so the test knows the run is in progress when it stops the worker.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import WAIT_SECONDS, read_until_eof
from tools.mutation.worker import LOOPBACK, bind_loopback, child_pids, process_table

pytestmark = pytest.mark.unit
NEEDS_COSMIC_RAY = pytest.mark.skipif(
    importlib.util.find_spec("cosmic_ray") is None,
    reason="needs cosmic-ray (the `mutation` dependency group)",
)

REPO_ROOT = Path(__file__).resolve().parents[3]
WORKER = REPO_ROOT / "tools" / "mutation" / "worker.py"


def test_child_pids_reads_the_pid_and_parent_columns() -> None:
    table = "    1     0\n   10     7\n   11     7\n   12     8\n  garbage\n 13 7 extra\n"

    assert child_pids(7, table) == [10, 11]
    assert child_pids(8, table) == [12]
    assert child_pids(9, table) == []
    assert child_pids(7, "") == []


def test_a_row_whose_pid_is_not_a_number_is_passed_over() -> None:
    assert child_pids(7, "  PID  7\n   10  7\n  -3  7\n") == [10]


def test_a_process_table_command_that_fails_gives_an_empty_table() -> None:
    failing = (sys.executable, "-S", "-c", "raise SystemExit(1)")
    assert process_table(failing) == ""


def test_each_listening_socket_gets_a_free_loopback_port_of_its_own() -> None:
    with bind_loopback() as first, bind_loopback() as second:
        (host, port), (other_host, other_port) = first.getsockname(), second.getsockname()
        assert (host, other_host) == (LOOPBACK, LOOPBACK)
        assert port != other_port
        for listening in (port, other_port):
            with socket.create_connection((LOOPBACK, listening), timeout=WAIT_SECONDS):
                pass


def serve_then_stop(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Start a worker, wait for its port line (it must reach the pipe while the worker serves),
    stop it with SIGTERM: its exit status and what it wrote to stderr."""
    worker = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None
        ready, _, _ = select.select([worker.stdout], [], [], WAIT_SECONDS)
        assert ready, f"no port line after {WAIT_SECONDS} s"
        assert worker.stdout.readline().strip().isdigit()
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=WAIT_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=WAIT_SECONDS)
    return worker.returncode, err


# Puts a directory first on sys.path, as Python does with a script's own directory, and runs
# the worker file there as the main module.
FIRST_ON_PATH = """\
import runpy, sys
sys.path.insert(0, sys.argv[1])
runpy.run_path(sys.argv[2], run_name="__main__")
"""


@NEEDS_COSMIC_RAY
def test_the_first_entry_of_sys_path_is_dropped_and_the_port_is_printed_at_once(
    tmp_path: Path,
) -> None:
    """Whatever is first on ``sys.path`` is never imported from, and the port line reaches a
    pipe while the worker serves, even with Python's output buffered."""
    first = tmp_path / "first"
    (first / "aiohttp").mkdir(parents=True)
    (first / "aiohttp" / "__init__.py").write_text(
        "raise SystemExit('imported the aiohttp first on sys.path')\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    command = [sys.executable, "-c", FIRST_ON_PATH, str(first), str(WORKER)]
    assert serve_then_stop(command, tmp_path, env) == (128 + signal.SIGTERM, "")


@NEEDS_COSMIC_RAY
def test_nothing_beside_the_worker_script_is_imported(tmp_path: Path) -> None:
    """Run as a script, its directory comes first on ``sys.path``: the worker drops it, so a
    module there can never shadow the packages it serves with."""
    script = tmp_path / "worker.py"
    shutil.copy2(WORKER, script)
    (tmp_path / "aiohttp").mkdir()
    (tmp_path / "aiohttp" / "__init__.py").write_text(
        "raise SystemExit('imported the aiohttp beside the script')\n", encoding="utf-8"
    )
    command = [sys.executable, str(script)]
    assert serve_then_stop(command, tmp_path, dict(os.environ)) == (128 + signal.SIGTERM, "")


def listening_addresses(port: int) -> list[str] | None:
    """The IPv4 addresses with a socket listening on ``port``, from ``/proc/net/tcp``; None
    where there is no such file (macOS)."""
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        return None
    found: list[str] = []
    for row in tcp.read_text(encoding="utf-8").splitlines()[1:]:
        local, state = row.split()[1], row.split()[3]
        address, _, hex_port = local.partition(":")
        if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
            found.append(socket.inet_ntoa(int(address, 16).to_bytes(4, sys.byteorder)))
    return found


# Reports its pid on the FIFO (keeping it open) and waits for a writer that never comes.
HANGING_TEST = """\
import os, sys
report = os.open(sys.argv[1], os.O_WRONLY)
os.write(report, f"running {os.getpid()}\\n".encode())
os.open(sys.argv[2], os.O_RDONLY)
"""


@NEEDS_COSMIC_RAY
def test_the_worker_serves_on_loopback_and_sigterm_kills_the_test_run_first(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "calc.py").write_text("def total(a, b):\n    return a + b\n", encoding="utf-8")
    report, never = tmp_path / "report.fifo", tmp_path / "never.fifo"
    os.mkfifo(report)
    os.mkfifo(never)
    script = tmp_path / "hang.py"
    script.write_text(HANGING_TEST, encoding="utf-8")
    worker = subprocess.Popen(
        [sys.executable, str(WORKER)],
        cwd=copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        port = int(worker.stdout.readline())
        assert listening_addresses(port) in (["127.0.0.1"], None)
        request = {
            "mutations": [
                {
                    "module_path": "calc.py",
                    "operator": "core/ReplaceBinaryOperator_Add_Sub",
                    "occurrence": 0,
                }
            ],
            "test_command": shlex.join(
                [sys.executable, "-S", str(script), str(report), str(never)]
            ),
            "timeout": 600.0,
        }
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
        connection.request("POST", "/", body=json.dumps(request))

        reader = os.open(report, os.O_RDONLY)  # returns once the test command opened it
        try:
            first = os.read(reader, 100).decode()
            assert first.startswith("running ")
            # The mutant is in the worker's copy while its tests run.
            assert (copy / "calc.py").read_text(encoding="utf-8").endswith("return a - b\n")

            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=WAIT_SECONDS) == 128 + signal.SIGTERM
            # The test command was killed too: the FIFO's only writer is gone.
            assert read_until_eof(reader) == b""
        finally:
            os.close(reader)
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            connection.getresponse()
        connection.close()
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate(timeout=WAIT_SECONDS)
