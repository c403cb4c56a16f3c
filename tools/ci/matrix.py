"""The job matrix of ``.github/workflows/quality.yml``: ``nox -l --json -t ci | python -m
tools.ci.matrix``.

It prints one line of compact JSON, ``{"include": [{"session": ..., "python": ..., "os": ...},
...]}``: every session nox listed, once on the first of :data:`OPERATING_SYSTEMS`, or on each
when it carries the tag :data:`EVERY_OS` (the tests: their result depends on the system); the
sessions in :data:`DEDICATED_JOBS` are left to a job of their own.

Exit codes: 0 printed; 1 the input is not nox's session list.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

OPERATING_SYSTEMS = ("ubuntu-latest", "macos-latest")
EVERY_OS = "every-os"

DEDICATED_JOBS: Mapping[str, str] = {
    "badge": ".github/workflows/quality.yml",
    "mutation": ".github/workflows/mutation.yml",
}
"""``ci`` sessions kept out of the matrix, and the workflow that runs each instead: ``badge``
needs the coverage of every OS combined, ``mutation`` runs nightly and on pull requests."""


def build_matrix(sessions: Any) -> dict[str, list[dict[str, str]]]:
    """The ``include`` matrix of the decoded ``nox -l --json`` output, in nox's order, OS by OS;
    ``KeyError`` or ``TypeError`` for anything else."""
    include = [
        {"session": str(entry["session"]), "python": str(entry["python"]), "os": system}
        for entry in sessions
        if entry["name"] not in DEDICATED_JOBS
        for system in (OPERATING_SYSTEMS if EVERY_OS in entry["tags"] else OPERATING_SYSTEMS[:1])
    ]
    return {"include": include}


def main() -> int:
    try:
        matrix = build_matrix(json.load(sys.stdin))
    except (ValueError, KeyError, TypeError) as exc:
        print(f"matrix: stdin is not `nox -l --json` output ({exc!r})", file=sys.stderr)
        return 1
    print(json.dumps(matrix, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
