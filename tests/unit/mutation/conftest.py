"""Shared pieces of the mutation tool tests that start real processes."""

from __future__ import annotations

import os
import select
from pathlib import Path

import pytest

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
