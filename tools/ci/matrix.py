"""The GitHub Actions job matrix of ``.github/workflows/quality.yml``, derived from the noxfile.

Usage: ``python -m tools.ci.matrix [--nox-json PATH]``. Without ``--nox-json`` it runs
``python -m nox -l --json -t ci`` with the current interpreter (nox is in the ``workflow``
group) and reads the sessions from its output; ``--nox-json -`` reads that output from stdin.

It prints one line of compact JSON, ``{"include": [{"session": ..., "python": ..., "os": ...},
...]}``: every ``ci``-tagged session on every operating system in :data:`OPERATING_SYSTEMS`,
except the sessions in :data:`DEDICATED_JOBS`, which CI runs in a job of their own. The
workflow passes each ``session`` to ``nox -s`` and installs ``python`` with setup-python.

Exit codes: 0 printed; 1 nox failed or printed something that is not a session list.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

OPERATING_SYSTEMS = ("ubuntu-latest", "macos-latest")
"""The GitHub-hosted runners every matrix session runs on."""

DEDICATED_JOBS: Mapping[str, str] = {
    "badge": ".github/workflows/quality.yml",
    "mutation": ".github/workflows/mutation.yml",
}
"""``ci`` sessions kept out of the matrix, and the workflow that runs each of them instead.

``badge`` checks the badge against the coverage data of every OS combined, so it runs after
the matrix in the ``coverage`` job; ``mutation`` takes far longer than a matrix job and runs
nightly, on demand and (``--since origin/main``) on pull requests."""

NOX_LIST = ("-m", "nox", "-l", "--json", "-t", "ci")


class MatrixError(Exception):
    """nox could not list the sessions, or its output is not a session list."""


@dataclass(frozen=True, order=True)
class NoxSession:
    """One entry of ``nox -l --json``: the name to pass to ``nox -s``, the function name and
    its Python."""

    session: str
    name: str
    python: str


def parse_sessions(text: str) -> list[NoxSession]:
    """The sessions in the JSON printed by ``nox -l --json``."""
    try:
        data: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MatrixError(f"nox printed no JSON session list ({exc.msg})") from exc
    if not isinstance(data, list):
        raise MatrixError("nox printed JSON that is not a list of sessions")
    sessions: list[NoxSession] = []
    for entry in cast("list[object]", data):
        if not isinstance(entry, dict):
            raise MatrixError("a session entry is not a JSON object")
        fields = cast("dict[str, object]", entry)
        values = [fields.get(key) for key in ("session", "name", "python")]
        if not all(isinstance(value, str) and value for value in values):
            raise MatrixError(f"session entry without session, name and python: {fields}")
        session, name, python = (str(value) for value in values)
        sessions.append(NoxSession(session, name, python))
    return sessions


def build_matrix(
    sessions: Sequence[NoxSession],
    operating_systems: Sequence[str] = OPERATING_SYSTEMS,
) -> dict[str, list[dict[str, str]]]:
    """The ``include`` matrix: each session not in :data:`DEDICATED_JOBS` on each OS, in the
    order nox lists them, OS by OS."""
    include = [
        {"session": session.session, "python": session.python, "os": system}
        for session in sessions
        if session.name not in DEDICATED_JOBS
        for system in operating_systems
    ]
    return {"include": include}


def list_ci_sessions(python: str = sys.executable, cwd: Path | None = None) -> str:
    """The output of ``nox -l --json -t ci`` run by ``python`` (in ``cwd``)."""
    completed = subprocess.run(
        [python, *NOX_LIST], cwd=cwd, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise MatrixError(
            f"`nox -l --json -t ci` exited with {completed.returncode}: {completed.stderr.strip()}"
        )
    return completed.stdout


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.ci.matrix",
        description="Print the GitHub Actions matrix of the ci-tagged nox sessions as JSON.",
    )
    parser.add_argument(
        "--nox-json",
        metavar="PATH",
        help="read the output of `nox -l --json -t ci` from PATH ('-': stdin) instead of"
        " running nox",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    source: str | None = args.nox_json
    try:
        if source is None:
            text = list_ci_sessions()
        elif source == "-":
            text = sys.stdin.read()
        else:
            text = Path(source).read_text(encoding="utf-8")
        matrix = build_matrix(parse_sessions(text))
    except (MatrixError, OSError) as exc:
        print(f"matrix: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(matrix, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
