"""Shared pieces of the mutation tool tests that start real processes."""

from __future__ import annotations

import json
import os
import select
from pathlib import Path

import pytest

from tools.mutation.pytest_client import INDEX_NAME, map_file

WAIT_SECONDS = 60.0
"""How long a test waits on a pipe or socket before it fails (never reached when all is well)."""


def read_until_eof(fd: int) -> bytes:
    """Everything written to the pipe ``fd`` until its last writer closes it."""
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], WAIT_SECONDS)
        assert ready, f"the pipe stayed open after {WAIT_SECONDS} s; read so far: {data!r}"
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return data
        data += chunk


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project: ``calc.py`` and a test of it that also checks ``MARK`` is ``client``."""
    (tmp_path / "calc.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "test_calc.py").write_text(
        "import os\nfrom calc import double\n\n\ndef test_double():\n"
        "    assert os.environ['MARK'] == 'client'\n    assert double(3) == 6\n"
    )
    return tmp_path


SPECS = (
    "CREATE TABLE mutation_specs (job_id TEXT, module_path TEXT, operator_name TEXT,"
    " occurrence INTEGER, start_pos_row INTEGER, start_pos_col INTEGER, end_pos_row INTEGER)"
)
RESULTS = (
    "CREATE TABLE work_results (job_id TEXT PRIMARY KEY, worker_outcome TEXT,"
    " test_outcome TEXT, output TEXT, diff TEXT)"
)
"""The tables and columns of a cosmic-ray 8 session file that :mod:`tools.mutation.results`
reads (cosmic-ray stores its enums by name)."""


def write_map(
    directory: Path, modules: dict[str, tuple[list[tuple[str, float]], dict[int, list[int]]]]
) -> Path:
    """A test map as :mod:`tools.mutation.coverage_map` writes it: per module its tests
    (node id, seconds: the same CPU and wall seconds) and, per line, the indexes of the tests
    that executed it."""
    directory.mkdir(parents=True, exist_ok=True)
    index = {"fingerprint": "written by hand", "modules": list(modules)}
    (directory / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")
    for module, (tests, lines) in modules.items():
        data = {
            "tests": [[test, seconds, seconds] for test, seconds in tests],
            "lines": {str(line): found for line, found in lines.items()},
        }
        map_file(directory, module).write_text(json.dumps(data), encoding="utf-8")
    return directory
