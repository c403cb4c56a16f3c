"""Where pytest-testmon's dependency data lives: one SQLite file per Python minor version and
version of the gate's code under ``.cache/gate/``.

The name carries a hash of ``tools/gate``, so data recorded by other rules is never read: a
change to the gate leaves no data, and every test runs once. A recording cut short (killed,
power loss) needs no mark: testmon keeps each test's last fingerprint until the test runs
again, so a test not reached still differs from the changed code, and a test never recorded
is new to testmon; either runs.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

GATE_CACHE = ".cache/gate"
DATA_VARIABLE = "TESTMON_DATAFILE"
"""testmon reads the path of its data file from this environment variable."""
GATE_SOURCE = Path(__file__).resolve().parent


def data_file(root: Path, version: tuple[int, int] | None = None) -> Path:
    major, minor = version or sys.version_info[:2]
    digest = hashlib.sha256()
    for path in sorted(GATE_SOURCE.glob("**/*.py")):
        digest.update(path.read_bytes())
    return root / GATE_CACHE / f"testmon-py{major}.{minor}-{digest.hexdigest()[:12]}.db"


def data_problem(data: Path) -> str | None:
    """Why the recorded data cannot select tests; None if it can."""
    return None if data.is_file() else f"no recorded test dependencies yet ({data.name})"
