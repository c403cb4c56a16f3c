from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "ml_playground.cli"]

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_PLAYGROUND_")}
    env.update({"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", **extra})
    return env


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run ``ml-playground`` as a subprocess in a temp working directory."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        command: Sequence[str] = [*CLI, *args]
        return subprocess.run(
            command,
            cwd=tmp_path,
            env=env or cli_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run
