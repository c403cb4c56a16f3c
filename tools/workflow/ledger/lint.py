"""Everything ``invoke ledger-lint`` reports about a ledger, each finding with its line number."""

from __future__ import annotations

from collections.abc import Collection

from tools.workflow.commit_rules import check_header
from tools.workflow.ledger.model import Ledger, LedgerEntry, LedgerProblem
from tools.workflow.versioning import branch_problems


def duplicate_id_findings(ledger: Ledger) -> list[LedgerProblem]:
    """Two entries with the same PR number: an error on the second heading.

    Entries sharing a ``PR??`` placeholder get one warning per placeholder: the placeholder is
    shared by design until each PR exists, and ``start-task`` disambiguates such entries.
    """
    holders: dict[str, list[LedgerEntry]] = {}
    for entry in ledger.entries:
        if entry.raw_id is not None and entry.task_id is not None:
            holders.setdefault(entry.raw_id, []).append(entry)
    findings: list[LedgerProblem] = []
    for raw_id, entries in holders.items():
        if len(entries) < 2:
            continue
        first = entries[0]
        if first.task_id is not None and first.task_id.pr is None:
            lines = ", ".join(str(entry.heading_line) for entry in entries)
            findings.append(
                LedgerProblem(
                    first.heading_line,
                    "warning",
                    f"placeholder id '{raw_id}' is shared by {len(entries)} entries (lines "
                    f"{lines}); start-task picks among them by dependencies, --pick or title",
                )
            )
            continue
        findings.extend(
            LedgerProblem(
                entry.heading_line,
                "error",
                f"duplicate id '{raw_id}' (first used on line {first.heading_line}); "
                "a PR number belongs to one entry",
            )
            for entry in entries[1:]
        )
    return findings


def lint_ledger(ledger: Ledger, allowed_types: Collection[str] | None) -> list[LedgerProblem]:
    """Parser problems plus duplicate ids, bad branch names and bad planned commit messages.

    ``allowed_types`` None skips the checks that need the commit types.
    """
    findings = [*ledger.problems, *duplicate_id_findings(ledger)]
    for entry in ledger.entries:
        if entry.branch is not None:
            line = entry.branch_line if entry.branch_line is not None else entry.heading_line
            origin = " (derived from the title)" if entry.branch_derived else ""
            findings.extend(
                LedgerProblem(line, "error", problem + origin)
                for problem in branch_problems(entry.branch, allowed_types)
            )
        if allowed_types is None:
            continue
        for planned in entry.planned_commits:
            findings.extend(
                LedgerProblem(planned.line, "error", f"planned commit: {problem}")
                for problem in check_header(planned.message, allowed_types)
            )
    return sorted(findings, key=lambda finding: finding.line)
