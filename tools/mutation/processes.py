"""Process supervision of a mutation run: the cosmic-ray HTTP workers (:mod:`tools.mutation.worker`)
and their pytest fork servers (:mod:`tools.mutation.pytest_server`), one pair per copy of the
working tree, started in their own sessions and stopped with any test run in progress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Generator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import SOCKET_NAME
from tools.mutation.settings import Settings
from tools.process import TAIL_CHARS

WORKER_SCRIPT = Path(__file__).resolve().with_name("worker.py")
PYTEST_SERVER_SCRIPT = Path(__file__).resolve().with_name("pytest_server.py")
WORKER_STOP_SECONDS = 10.0


@dataclass
class Worker:
    process: subprocess.Popen[str]
    directory: Path
    url: str = ""


def tool_env(pycache: Path) -> dict[str, str]:
    """The environment of cosmic-ray, the workers and so of every test command they run.

    Bytecode goes to the ``pycache`` prefix, so cosmic-ray and the preloaded packages are
    compiled once, not at every start (cosmic-ray turns bytecode writing off for the test
    commands itself, so the mutated modules are always compiled afresh)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _started(process: subprocess.Popen[str], expected: str, log: Path, what: str) -> str:
    """The first line ``process`` prints, once it is up; :class:`MutationError` when it died."""
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line or (expected and line != expected):
        raise MutationError(
            f"{what} did not start:\n{log.read_text(encoding='utf-8')[-TAIL_CHARS:]}"
        )
    return line


def stop_processes(
    processes: Sequence[subprocess.Popen[str]], grace: float = WORKER_STOP_SECONDS
) -> None:
    """SIGTERM (each kills its test run first), then SIGKILL after ``grace`` seconds."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def start_workers(
    directories: Sequence[Path], settings: Settings, env: dict[str, str], logs: Path
) -> Generator[list[Worker]]:
    """One worker per directory (and its pytest fork server when ``preload`` is set); all are
    stopped, with any test run in progress, when the block ends."""
    processes: list[subprocess.Popen[str]] = []
    workers: list[Worker] = []
    with ExitStack() as files:

        def start(
            command: list[str], cwd: Path, process_env: dict[str, str], log: Path
        ) -> subprocess.Popen[str]:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=process_env,
                stdout=subprocess.PIPE,
                stderr=files.enter_context(log.open("w", encoding="utf-8")),
                text=True,
                start_new_session=True,
            )
            processes.append(process)
            return process

        try:
            server_env = {**env, **settings.test_env}
            preload = [arg for name in settings.preload for arg in ("--preload", name)]
            serve = [sys.executable, str(PYTEST_SERVER_SCRIPT), *preload, "--socket"]
            servers = [
                start([*serve, SOCKET_NAME], d, server_env, logs / f"pytest-server-{i}.log")
                for i, d in enumerate(directories)
                if settings.preload
            ]
            for index, directory in enumerate(directories):
                log = logs / f"worker-{index}.log"
                process = start([sys.executable, str(WORKER_SCRIPT)], directory, env, log)
                workers.append(Worker(process, directory))
            for index, server in enumerate(servers):
                _started(server, "ready", logs / f"pytest-server-{index}.log", "pytest server")
            for index, worker in enumerate(workers):
                port = _started(worker.process, "", logs / f"worker-{index}.log", "worker")
                if not port.isdigit():
                    raise MutationError(f"worker {index} printed {port!r} instead of its port")
                worker.url = f"http://127.0.0.1:{port}"
            yield workers
        finally:
            stop_processes(processes)
