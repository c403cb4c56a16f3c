"""Parsing the ledger format: entries, fields, templates, free-form sections, damage."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tools.workflow.ledger.model import TaskId
from tools.workflow.ledger.parse import parse_ledger, parse_ledger_bytes

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "workflow"


def _seed() -> bytes:
    return (FIXTURES / "seed_like_ledger.md").read_bytes()


def test_entries_are_read_in_file_order_and_templates_are_skipped() -> None:
    ledger = parse_ledger_bytes(_seed())

    titles = [entry.title for entry in ledger.entries]
    assert titles == [
        "Make PEP 420 the import policy",
        "Move packages to implicit namespaces",
        "Build a regression suite",
        "Coverage plan towards full coverage",
        "Mutation testing trial",
        "Stabilise the coverage badge",
        "Fold loose modules into their packages",
    ]
    assert "<Short title>" not in titles


def test_heading_parts_and_fields() -> None:
    entry = parse_ledger_bytes(_seed()).entries[0]

    assert entry.kind == "task"
    assert entry.heading_line == 27
    assert entry.status == "Open"
    assert entry.raw_id == "tv-2025-10-04:PR??"
    assert entry.task_id is not None
    assert str(entry.task_id) == "tv-2025-10-04:PR??"
    assert entry.section == "Open tasks (updated 2025-10-03)"
    assert [field.name for field in entry.fields] == [
        "Summary",
        "Priority",
        "Size",
        "Meta?",
        "Dependencies",
        "Next steps",
        "Validation",
        "Git plan",
        "PR",
    ]
    assert entry.field_text("Priority") == "P0"
    assert entry.field_text("summary").startswith("Describe implicit namespace packages as")
    assert entry.field_text("Summary").endswith("is still tolerated.")


def test_wrapped_numbered_steps_are_joined() -> None:
    entry = parse_ledger_bytes(_seed()).entries[0]

    assert entry.steps == (
        "Rewrite the import guide around namespace packages, with a short section on "
        "exceptions and how to annotate them.",
        "Point the development guide at the new import guide.",
    )


def test_git_plan_branch_commits_files_and_pr_title() -> None:
    entry = parse_ledger_bytes(_seed()).entries[0]

    assert entry.branch == "docs/import-policy-pep420"
    assert entry.branch_line == 41
    assert entry.branch_derived is False
    assert [(c.message, c.files, c.line) for c in entry.planned_commits] == [
        (
            "docs(imports): describe the namespace package policy",
            (".dev-guidelines/IMPORT_GUIDELINES.md",),
            43,
        ),
        ("docs(standards): link the import guide", (".dev-guidelines/DEVELOPMENT.md", "notes"), 45),
    ]
    assert entry.pr_title == "docs: make pep 420 the import policy"
    assert entry.validation_commands == ("make quality",)


def test_deferred_entry_ends_at_the_conflict_marker() -> None:
    ledger = parse_ledger_bytes(_seed())
    deferred = ledger.entries[5]

    assert deferred.status == "Deferred"
    assert deferred.task_id == TaskId(datetime.date(2025, 10, 3), 35)
    assert deferred.end_line == 143
    assert deferred.branch is None
    assert deferred.field("Scope") is None
    assert [(p.line, p.severity) for p in ledger.problems] == [(144, "error")]
    assert "'======='" in ledger.problems[0].message


def test_freeform_section_becomes_an_entry_with_a_derived_branch() -> None:
    entry = parse_ledger_bytes(_seed()).entries[6]

    assert entry.kind == "freeform"
    assert entry.label == "Task 2"
    assert entry.raw_id is None
    assert entry.display_id == "(Task 2)"
    assert entry.status == "Open"
    assert entry.branch == "refactor/training-fold-loose-modules-their-packages"
    assert entry.branch_derived is True
    assert [c.message for c in entry.planned_commits] == [
        "refactor(training): move ema into training",
        "refactor(training): move checkpoint into training",
    ]
    assert entry.steps[0] == (
        "Move each module under the package it belongs to (`ml_playground/training/`, "
        "`ml_playground/core/`) and update the imports."
    )
    assert entry.acceptance == ("Every import uses the new location.", "`make quality` passes.")


def test_explicit_branch_in_commit_guidance_wins() -> None:
    text = (
        "## Task 7: Simplify make targets\n\n"
        "- Commit guidance:\n"
        "  - Branch: `chore/makefile-direct-pytest`\n"
        "  - Commit: `chore(makefile): call pytest directly`\n"
    )
    entry = parse_ledger(text).entries[0]

    assert entry.branch == "chore/makefile-direct-pytest"
    assert entry.branch_derived is False
    assert [c.message for c in entry.planned_commits] == ["chore(makefile): call pytest directly"]


def test_crlf_and_bom_give_the_same_entries_and_line_numbers() -> None:
    lf = parse_ledger_bytes(_seed())
    crlf = parse_ledger_bytes(b"\xef\xbb\xbf" + _seed().replace(b"\n", b"\r\n"))

    assert crlf.entries == lf.entries
    assert crlf.problems == lf.problems


def test_malformed_headings_ids_and_statuses_are_problems() -> None:
    ledger = parse_ledger_bytes((FIXTURES / "damaged_ledger.md").read_bytes())

    found = {(p.line, p.message.split(":")[0]) for p in ledger.problems}
    assert (21, "malformed id 'tv-2025-13-40") in found
    assert (25, "unknown status 'Blocked'") in found
    assert (37, "malformed entry heading") in found
    markers = [p.line for p in ledger.problems if "merge-conflict marker" in p.message]
    assert markers == [39, 41, 43, 45]
    assert ledger.entries[-1].title == "Entry after the damage"
    assert ledger.entries[-1].branch == "docs/ledger-after-damage"


def test_unclosed_blocks_are_reported_where_they_open() -> None:
    fence = parse_ledger("# t\n\n```text\n### Open · tv-2025-01-01:PR1 · Hidden\n")
    details = parse_ledger("# t\n<details>\n### Open · tv-2025-01-01:PR1 · Hidden\n")
    comment = parse_ledger("# t\n<!-- note\n### Open · tv-2025-01-01:PR1 · Hidden\n")

    assert fence.entries == ()
    assert [(p.line, p.message) for p in fence.problems] == [
        (3, "fenced code block '```' is never closed")
    ]
    assert [p.line for p in details.problems] == [2]
    assert [p.line for p in comment.problems] == [2]


def test_markers_inside_fenced_code_are_not_damage() -> None:
    ledger = parse_ledger("# t\n\n```text\n=======\n<<<<<<< ours\n```\n")

    assert ledger.problems == ()


def test_empty_text_has_no_entries() -> None:
    assert parse_ledger("") == parse_ledger_bytes(b"")
    assert parse_ledger("").entries == ()


def test_plain_level_three_heading_ends_an_entry_without_a_problem() -> None:
    ledger = parse_ledger(
        "### Open · tv-2025-01-01:PR?? · Write the guide\n\n"
        "- **Summary**: The guide.\n\n"
        "### Background notes\n\n"
        "- **Summary**: Not part of the entry.\n"
    )

    assert [entry.title for entry in ledger.entries] == ["Write the guide"]
    assert ledger.entries[0].end_line == 4
    assert ledger.entries[0].field_text("Summary") == "The guide."
    assert ledger.problems == ()


def test_nested_details_blocks_are_skipped_as_one() -> None:
    ledger = parse_ledger(
        "# t\n<details>\n<details>\n### Open · tv-2025-01-01:PR1 · Inner template\n</details>\n"
        "### Open · tv-2025-01-02:PR2 · Outer template\n</details>\n\n"
        "### Open · tv-2025-01-03:PR3 · Real entry\n"
    )
    unclosed = parse_ledger("# t\n<details>\n<details>\n</details>\n### Open · x · Hidden\n")

    assert [entry.title for entry in ledger.entries] == ["Real entry"]
    assert ledger.problems == ()
    assert unclosed.entries == ()
    assert [p.line for p in unclosed.problems] == [2]
