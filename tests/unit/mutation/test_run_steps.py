"""The steps of a mutation run around cosmic-ray: running a tool, starting and stopping the
workers and their pytest fork servers, and choosing the targets.

The processes are real: the project's worker and pytest server scripts, and small Python
commands standing in for a tool that fails or a process that is already gone.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.mutation.errors import MutationError
from tools.mutation.processes import start_workers, stop_processes
from tools.mutation.pytest_client import SOCKET_NAME
from tools.mutation.steps import run_tool
from tools.mutation.targets import Settings, Target, select_targets

pytestmark = pytest.mark.unit

needs_cosmic_ray = pytest.mark.skipif(
    importlib.util.find_spec("cosmic_ray") is None,
    reason="cosmic-ray is not installed (the `mutation` dependency group)",
)

TARGETS = (
    Target("pkg/calc.py", ("tests/test_calc.py",), 90.0),
    Target("pkg/io/files.py", ("tests/test_files.py",), 80.0),
    Target("pkg/other/files.py", ("tests/test_other.py",), 80.0),
)


def settings(*preload: str) -> Settings:
    return Settings(
        targets=TARGETS,
        timeout=10.0,
        timeout_factor=3.0,
        test_command="python -m pytest {tests}",
        test_env=(("PYTHONHASHSEED", "0"),),
        excluded_modules=(),
        exclude_operators=(),
        preload=preload,
    )


def test_a_tool_that_fails_is_named_with_the_end_of_its_output(tmp_path: Path) -> None:
    shout = "import sys; print('out'); sys.exit(sys.argv[1] * 1500)"
    with pytest.raises(MutationError) as failed:
        run_tool([sys.executable, "-c", shout, "ab", "unused"], cwd=tmp_path, env=dict(os.environ))
    assert str(failed.value) == f"-c {shout} ab ... failed (1):\n{'ab' * 1000}"

    quiet = "import sys; print('only on stdout'); sys.exit(3)"
    with pytest.raises(MutationError, match=r"\.\.\. failed \(3\):\nonly on stdout$"):
        run_tool([sys.executable, "-c", quiet], cwd=tmp_path, env=dict(os.environ))

    ok = "import os; print(os.getcwd())"
    assert run_tool([sys.executable, "-c", ok], cwd=tmp_path, env=dict(os.environ)) == (
        f"{tmp_path}\n"
    )


def test_stop_terminates_the_running_and_passes_over_the_finished(tmp_path: Path) -> None:
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


def test_targets_are_chosen_by_any_of_their_names_in_settings_order() -> None:
    chosen = settings()
    assert select_targets(chosen, None) == list(TARGETS)
    assert select_targets(chosen, []) == list(TARGETS)
    assert select_targets(chosen, ["pkg/other/files.py", "calc"]) == [TARGETS[0], TARGETS[2]]
    assert select_targets(chosen, ["pkg.io.files", "pkg/io/files.py"]) == [TARGETS[1]]
    with pytest.raises(MutationError, match="more than one mutation target matches 'files'"):
        select_targets(chosen, ["files"])


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
