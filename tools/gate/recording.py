"""Where pytest-testmon's dependency data lives and whether it can be trusted.

One SQLite file per Python minor version under ``.cache/gate/``, written by every run of the
incremental gate and of ``nox -s quality`` on that Python, always together with the plugin
:mod:`tools.gate.pytest_deps`. Beside it a small state file says which version of the plugin
recorded it and whether the last recording finished; anything else makes the data stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import cast

from ml_playground.core.atomic_files import atomic_write_bytes

GATE_CACHE = ".cache/gate"
PLUGIN_VERSION = 1
"""Raise it when the dependencies the plugin records change: old data is then stale."""
DATA_VARIABLE = "TESTMON_DATAFILE"
"""testmon reads the path of its data file from this environment variable."""


def data_file(root: Path, version: tuple[int, int] | None = None) -> Path:
    major, minor = version or sys.version_info[:2]
    return root / GATE_CACHE / f"testmon-py{major}.{minor}.db"


def state_file(data: Path) -> Path:
    return data.with_name(data.name + ".state.json")


def write_state(data: Path, finished: bool) -> None:
    state = {"plugin_version": PLUGIN_VERSION, "finished": finished}
    atomic_write_bytes(state_file(data), (json.dumps(state) + "\n").encode("utf-8"))


def data_problem(data: Path) -> str | None:
    """Why the recorded data cannot be used to select tests, in a few words; None if it can."""
    shown = data.name
    if not data.is_file():
        return f"no recorded test dependencies yet ({shown})"
    try:
        loaded: object = json.loads(state_file(data).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"the test dependencies in {shown} have no readable state file"
    state = cast("dict[str, object]", loaded) if isinstance(loaded, dict) else {}
    if state.get("plugin_version") != PLUGIN_VERSION:
        return f"the test dependencies in {shown} were recorded by another gate version"
    if state.get("finished") is not True:
        return f"the last recording into {shown} did not finish"
    return None
