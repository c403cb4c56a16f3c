"""The measured total of coverage.py's JSON report, read by the badge, and the one error type of
the coverage tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(".cache/coverage/coverage.json")
"""Where the ``tests`` nox session writes the JSON report."""

MAKE_DATA = "run `nox -s tests` first"


class CoverageError(Exception):
    """The coverage data or the coverage settings are missing or unusable; one line."""


def total_percent(path: Path) -> float:
    """``totals.percent_covered`` of the JSON report at ``path``: lines and branches together,
    the figure ``coverage report`` compares with ``fail_under``."""
    name = path.as_posix()
    try:
        document: Any = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise CoverageError(f"{name} not found: {MAKE_DATA}") from None
    except OSError as exc:
        raise CoverageError(f"{name}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise CoverageError(f"{name}: not valid JSON ({exc}); {MAKE_DATA}") from None
    try:
        total: Any = document["totals"]["percent_covered"]
    except (TypeError, KeyError):
        total = None
    if not isinstance(total, int | float) or isinstance(total, bool) or not 0 <= total <= 100:
        raise CoverageError(f"{name}: no totals.percent_covered from 0 to 100; {MAKE_DATA}")
    return float(total)
