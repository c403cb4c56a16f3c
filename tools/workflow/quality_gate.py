"""The quality gates: commands (argument lists) that must exit 0, the commit gate before a
commit, the full one before a push; and the record that a gate passed on a tree.

The commit gate (``nox -s changed``) runs in the repository and checks out the index itself
(tools/gate). The full gate (``nox -s quality``) runs in the gate's checkout of exactly the
commit it judges (:mod:`tools.gate.snapshot`): never in the work tree.

The default commands can be replaced through the environment with a JSON array of strings,
``WORKFLOW_GATE_FULL`` and ``WORKFLOW_GATE_FAST`` (for example ``["nox", "-s", "lint"]``); the
replacement is named in the output. "The gate passed on this tree" is never read from the
environment: ``invoke commit`` and ``invoke pr`` write it into the git directory after their
gate passed, and the hook that finds it removes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, cast

from tools.gate.snapshot import SnapshotError, checked_out, staged_commit
from tools.process import failure_line, run
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.repo.git import Git

FULL_GATE = ("nox", "-s", "quality")
FAST_GATE = ("nox", "-s", "changed")
"""The incremental gate: quality's checks scoped to the change (``invoke commit``, pre-commit)."""
LARGE_REASON_VARIABLE = "WORKFLOW_LARGE_CHANGE_REASON"
"""Set by ``invoke commit --allow-large`` so the pre-commit hook accepts the size."""

GateKind = Literal["full", "fast"]
_VARIABLES: dict[GateKind, str] = {"full": "WORKFLOW_GATE_FULL", "fast": "WORKFLOW_GATE_FAST"}
_RECORDS: dict[GateKind, str] = {"full": "gate-passed-push", "fast": "gate-passed-commit"}


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


def run_gate(
    kind: GateKind, command: Sequence[str], git: Git, reporter: Reporter, judged: str | None
) -> None:
    """Run the ``kind`` gate, streaming its output: the commit gate in the repository (it
    checks out the index itself), the full gate in a checkout of the commit ``judged``, or of
    the index on top of HEAD when ``judged`` is None. Raises CHECK_FAILED unless it exits 0."""
    if not command:
        raise WorkflowError(ExitCode.USAGE, "the quality gate command is empty")
    shown = " ".join(command)
    replaced = f" (from {_VARIABLES[kind]})" if _VARIABLES[kind] in git.env else ""
    reporter.say(f"Quality gate{replaced}: {shown}")
    if kind == "fast":
        result = run(command, git.root, git.env, echo=reporter.write)
    else:
        try:
            judged = staged_commit(git.root) if judged is None else git.output("rev-parse", judged)
            with checked_out(git.root, judged, say=reporter.say) as tree:
                reporter.say(f"Quality gate: judging {judged[:10]} in {tree}")
                result = run(command, tree, git.env, echo=reporter.write)
        except SnapshotError as error:
            raise WorkflowError(ExitCode.EXTERNAL, f"quality gate: {error}") from error
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


def _record_path(git: Git, kind: GateKind) -> Path:
    return git.root / git.output("rev-parse", "--git-path", _RECORDS[kind])


def record_pass(git: Git, kind: GateKind, tree: str) -> None:
    """Say, for the next hook of ``kind``, that the gate passed on ``tree``."""
    _record_path(git, kind).write_text(f"{tree}\n", encoding="utf-8")


def take_pass(git: Git, kind: GateKind, tree: str) -> bool:
    """Whether ``invoke`` recorded a pass of the ``kind`` gate on ``tree``; the record is used
    up either way, so it vouches for one commit or push at most."""
    path = _record_path(git, kind)
    try:
        recorded = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    path.unlink(missing_ok=True)
    return recorded == tree
