"""``invoke tasks`` (the ledger as a table) and ``invoke ledger-lint`` (its problems)."""

from __future__ import annotations

import json
from pathlib import Path

from tools.workflow.cli import (
    ExitCode,
    Reporter,
    WorkflowError,
    fit_columns,
    render_table,
    shorten,
    table_widths,
)
from tools.workflow.ledger.lint import lint_ledger
from tools.workflow.ledger.model import Ledger, LedgerEntry, LedgerProblem
from tools.workflow.ledger.select import blockers
from tools.workflow.ledger.store import LEDGER_PATH, load_ledger, warn_about_problems
from tools.workflow.versioning import GUIDE_PATH, read_commit_types

ACTIVE_STATUSES = ("Open", "In progress")
TASK_COLUMNS = ("id", "status", "priority", "size", "title", "branch", "blocked-by")
TITLE_COLUMN = 4
TITLE_FLOOR = 41
"""On a terminal the title keeps at least 40 characters and its ellipsis..."""
DROP_ORDER = (5, 6, 3, 2, 1)
"""...while branch, blocked-by, size, priority, then status are left out until the table fits."""


def _short_reference(entry: LedgerEntry) -> str:
    """A numbered id names one entry; otherwise the (shortened) title does."""
    if entry.raw_id is not None and entry.task_id is not None and entry.task_id.pr is not None:
        return entry.raw_id
    return shorten(entry.title, 30)


def task_rows(ledger: Ledger, show_all: bool) -> list[list[str]]:
    """One row per entry: id, status, priority, size, title, branch, blocked-by."""
    rows: list[list[str]] = []
    for entry in ledger.entries:
        if not show_all and entry.status not in ACTIVE_STATUSES:
            continue
        waiting = blockers(entry, ledger)
        blocked_by = ", ".join(_short_reference(other) for other in waiting)
        rows.append(
            [
                entry.display_id,
                entry.status,
                entry.field_text("Priority").rstrip(".") or "-",
                entry.field_text("Size").rstrip(".") or "-",
                entry.title,
                (entry.branch or "-") + (" *" if entry.branch_derived else ""),
                blocked_by or "-",
            ]
        )
    return rows


def list_tasks(
    root: Path,
    reporter: Reporter,
    show_all: bool,
    width: int | None = None,
    as_json: bool = False,
) -> list[list[str]]:
    """The table of entries; with ``width`` (a terminal's columns) it fits that width, without
    it (a pipe, a file) nothing is cut. ``as_json``: one JSON array of objects instead."""
    loaded = load_ledger(root)
    warn_about_problems(loaded, reporter)
    rows = task_rows(loaded.ledger, show_all)
    if as_json:
        reporter.say(json.dumps([dict(zip(TASK_COLUMNS, row, strict=True)) for row in rows]))
        return rows
    if not rows:
        reporter.say("No open tasks in the ledger." + ("" if show_all else " (try --all)"))
        return rows
    widths = None
    if width is not None:
        natural = table_widths(TASK_COLUMNS, rows)
        widths = fit_columns(natural, width, TITLE_COLUMN, TITLE_FLOOR, DROP_ORDER)
    for line in render_table(TASK_COLUMNS, rows, widths):
        reporter.say(line)
    if any(entry.branch_derived for entry in loaded.ledger.entries):
        reporter.say("* branch derived from the first planned commit and the title")
    return rows


def lint_findings(root: Path, reporter: Reporter) -> list[LedgerProblem]:
    loaded = load_ledger(root)
    try:
        allowed_types: tuple[str, ...] | None = read_commit_types(root)
    except WorkflowError as error:
        reporter.warn(f"{error.message}; commit types are not checked")
        allowed_types = None
    return lint_ledger(loaded.ledger, allowed_types)


def run_ledger_lint(root: Path, reporter: Reporter) -> list[LedgerProblem]:
    """Print ``path:line: severity: message`` per finding; CHECK_FAILED when any is an error."""
    findings = lint_findings(root, reporter)
    path = LEDGER_PATH.as_posix()
    for finding in findings:
        reporter.say(f"{path}:{finding.line}: {finding.severity}: {finding.message}")
    errors = sum(1 for finding in findings if finding.severity == "error")
    warnings = len(findings) - errors
    if errors:
        raise WorkflowError(
            ExitCode.CHECK_FAILED, f"{path}: {errors} error(s), {warnings} warning(s)"
        )
    reporter.say(f"{path}: no errors ({warnings} warning(s)); types from {GUIDE_PATH.as_posix()}")
    return findings
