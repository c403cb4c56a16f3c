"""The quality gates: commands (argument lists) that must exit 0, the incremental one before a
commit, the full one before a push.

The default commands can be replaced through the environment with a JSON array of strings,
``WORKFLOW_GATE_FULL`` and ``WORKFLOW_GATE_FAST`` (for example ``["nox", "-s", "lint"]``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, cast

from tools.process import failure_line, run
from tools.workflow.cli import ExitCode, Reporter, WorkflowError

FULL_GATE = ("nox", "-s", "quality")
FAST_GATE = ("nox", "-s", "changed")
"""The incremental gate: quality's checks scoped to the change (``invoke commit``, pre-commit)."""
GATE_PASSED_VARIABLE = "WORKFLOW_GATE_PASSED"
"""Set by ``invoke commit``/``invoke pr`` for git hooks: the tree id the gate just passed on."""
LARGE_REASON_VARIABLE = "WORKFLOW_LARGE_CHANGE_REASON"
"""Set by ``invoke commit --allow-large`` so the pre-commit hook accepts the size."""

GateKind = Literal["full", "fast"]
_VARIABLES: dict[GateKind, str] = {"full": "WORKFLOW_GATE_FULL", "fast": "WORKFLOW_GATE_FAST"}


def gate_command(kind: GateKind, environ: Mapping[str, str]) -> list[str]:
    """The command of the ``kind`` gate (full: quality, fast: changed), override or default."""
    variable = _VARIABLES[kind]
    raw = environ.get(variable)
    if raw is None or not raw.strip():
        return list(FULL_GATE if kind == "full" else FAST_GATE)
    try:
        loaded: object = json.loads(raw)
    except json.JSONDecodeError:
        loaded = None
    if not isinstance(loaded, list) or not loaded:
        raise WorkflowError(
            ExitCode.USAGE,
            f'{variable}={raw!r}: expected a JSON array of strings, e.g. ["nox", "-s", "quality"]',
        )
    items = cast("list[object]", loaded)
    if not all(isinstance(item, str) for item in items):
        raise WorkflowError(ExitCode.USAGE, f"{variable}: every array item must be a string")
    return [str(item) for item in items]


def run_gate(command: Sequence[str], cwd: Path, env: Mapping[str, str], reporter: Reporter) -> None:
    """Run the gate, streaming its output; raises CHECK_FAILED when it does not exit 0."""
    if not command:
        raise WorkflowError(ExitCode.USAGE, "the quality gate command is empty")
    shown = " ".join(command)
    reporter.say(f"Quality gate: {shown}")
    result = run(command, cwd, env, echo=reporter.write)
    if not result.started:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"quality gate '{shown}' could not start: {failure_line(result)} "
            "(install the workflow tools: uv sync)",
        )
    if not result.ok:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"quality gate '{shown}' failed with exit status {result.returncode}",
        )
