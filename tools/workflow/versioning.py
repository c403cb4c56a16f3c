"""Read the allowed commit types from ``.dev-guidelines/GIT_VERSIONING.md``.

The guide holds a table between ``<!-- commit-types:start -->`` and ``<!-- commit-types:end -->``
whose rows start with a backticked type. The checkers use exactly that list, so the document
and the code cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.workflow.cli import ExitCode, WorkflowError

GUIDE_PATH = Path(".dev-guidelines") / "GIT_VERSIONING.md"
START_MARKER = "<!-- commit-types:start -->"
END_MARKER = "<!-- commit-types:end -->"
_ROW = re.compile(r"^\|\s*`(?P<type>[a-z]+)`\s*\|")


def parse_commit_types(text: str, source: str) -> tuple[str, ...]:
    """The types listed between the markers, in document order."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == START_MARKER]
    ends = [i for i, line in enumerate(lines) if line.strip() == END_MARKER]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise WorkflowError(
            ExitCode.USAGE,
            f"{source}: expected one '{START_MARKER}' ... '{END_MARKER}' block "
            "listing the commit types",
        )
    types: list[str] = []
    for line in lines[starts[0] + 1 : ends[0]]:
        row = _ROW.match(line.strip())
        if row is not None and row.group("type") not in types:
            types.append(row.group("type"))
    if not types:
        raise WorkflowError(
            ExitCode.USAGE,
            f"{source}: the commit-types block has no rows like '| `feat` | ... |'",
        )
    return tuple(types)


def read_commit_types(root: Path) -> tuple[str, ...]:
    """The allowed commit types of the repository at ``root``."""
    path = root / GUIDE_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkflowError(
            ExitCode.USAGE,
            f"{path}: not found (the commit types are read from {GUIDE_PATH.as_posix()})",
        ) from None
    return parse_commit_types(text, str(path))
