"""ledger-lint findings: every kind of damage with its line number; clean ledgers pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.workflow.ledger.lint import lint_ledger
from tools.workflow.ledger.parse import parse_ledger, parse_ledger_bytes
from tools.workflow.versioning import read_commit_types

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "workflow"
TYPES = read_commit_types(PROJECT_ROOT)


def _lint(name: str) -> list[tuple[int, str, str]]:
    ledger = parse_ledger_bytes((FIXTURES / name).read_bytes())
    return [(p.line, p.severity, p.message) for p in lint_ledger(ledger, TYPES)]


def test_damaged_ledger_reports_each_problem_on_its_line() -> None:
    findings = _lint("damaged_ledger.md")

    assert [(line, severity) for line, severity, _ in findings] == [
        (15, "error"),
        (19, "error"),
        (21, "error"),
        (25, "error"),
        (29, "error"),
        (29, "error"),
        (31, "error"),
        (33, "error"),
        (37, "error"),
        (39, "error"),
        (41, "error"),
        (43, "error"),
        (45, "error"),
    ]
    messages = [message for _, _, message in findings]
    assert messages[0] == (
        "duplicate id 'tv-2025-11-02:PR7' (first used on line 7); a PR number belongs to one entry"
    )
    assert messages[1].startswith("branch 'Feat/Ledger_Second' breaks the grammar")
    assert messages[4] == "branch 'fix/ledger..dots' is not a valid git branch name: contains '..'"
    assert messages[6] == (
        "planned commit: start the subject with an imperative verb ('fix', 'add'), not 'fixed'"
    )
    assert messages[9].startswith("leftover merge-conflict marker '<<<<<<<'")
    assert messages[12].startswith("leftover merge-conflict marker '>>>>>>>'")


def test_shared_placeholder_ids_are_one_warning() -> None:
    findings = _lint("seed_like_ledger.md")

    assert findings == [
        (
            27,
            "warning",
            "placeholder id 'tv-2025-10-04:PR??' is shared by 2 entries (lines 27, 48); "
            "start-task picks among them by dependencies, --pick or title",
        ),
        (
            66,
            "warning",
            "placeholder id 'tv-2025-10-03:PR??' is shared by 3 entries (lines 66, 85, 102); "
            "start-task picks among them by dependencies, --pick or title",
        ),
        (
            144,
            "error",
            "leftover merge-conflict marker '=======': resolve the conflict and delete the "
            "marker line",
        ),
    ]


def test_clean_fixture_has_no_findings() -> None:
    assert _lint("clean_ledger.md") == []


def test_project_ledger_has_no_errors() -> None:
    """Whatever the project's ledger holds (a fresh one included), it lints without errors."""
    ledger = parse_ledger_bytes((PROJECT_ROOT / ".ldres" / "tv-tasks.md").read_bytes())

    findings = lint_ledger(ledger, TYPES)

    assert [p for p in findings if p.severity == "error"] == []


def test_unknown_branch_type_is_reported_only_with_types() -> None:
    ledger = parse_ledger(
        "### Open · tv-2025-01-02:PR3 · Try\n\n- **Git plan**:\n  - Branch: `feature/ui-theme`\n"
    )

    with_types = lint_ledger(ledger, TYPES)
    without_types = lint_ledger(ledger, None)

    assert [p.message.split(":")[0] for p in with_types] == [
        "branch 'feature/ui-theme' starts with unknown type 'feature'"
    ]
    assert without_types == []


def test_an_id_used_once_does_not_hide_the_duplicates_after_it() -> None:
    ledger = parse_ledger(
        "### Open · tv-2025-01-01:PR1 · Write the guide\n\n- **Summary**: a\n\n"
        "### Open · tv-2025-01-02:PR2 · Review the guide\n\n- **Summary**: b\n\n"
        "### Done · tv-2025-01-02:PR2 · Publish the guide\n\n- **Summary**: c\n"
    )

    assert [(p.line, p.severity, p.message) for p in lint_ledger(ledger, None)] == [
        (
            9,
            "error",
            "duplicate id 'tv-2025-01-02:PR2' (first used on line 5); a PR number belongs to "
            "one entry",
        )
    ]
