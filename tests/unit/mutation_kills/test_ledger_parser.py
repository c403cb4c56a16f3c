"""Tests that kill surviving mutants of tools/workflow/ledger/parse.py (see
docs/testing/mutation.md): field trimming, item grouping, planned commits and their files,
the branch derived from the first commit, and the blocks that hide text (fences, nested
details, level-4 headings, a leading byte-order mark)."""

from __future__ import annotations

import pytest

from tools.workflow.ledger.model import LedgerEntry
from tools.workflow.ledger.parse import parse_ledger

pytestmark = pytest.mark.unit

HEADING = "### Open · tv-2025-01-01:PR1 · Fold loose modules into packages\n"


def entry_of(body: str) -> LedgerEntry:
    [entry] = parse_ledger(HEADING + body).entries
    return entry


def test_trailing_blank_lines_leave_a_field_but_an_empty_field_keeps_its_line() -> None:
    entry = entry_of(
        "- **Notes**: first\n  second\n\n\n- **Empty**:\n- **One**: a\n\n- **Two**: a\n  b\n\n"
    )
    notes, empty, one, two = entry.fields
    assert (notes.lines, notes.numbers) == (("first", "  second"), (2, 3))
    assert (empty.lines, empty.numbers) == (("",), (6,))
    assert (one.lines, one.numbers) == (("a",), (7,))
    assert (two.lines, two.numbers) == (("a", "  b"), (9, 10))
    inner = entry_of("- **Notes**: a\n\n  c\n")
    assert inner.fields[0].lines == ("a", "", "  c")


def test_items_skip_text_before_the_first_item_and_blank_lines_between_items() -> None:
    entry = entry_of("- **Next steps**: see below\n  1. a\n     continued\n\n  2. b\n")
    assert entry.steps == ("a continued", "b")


def test_a_planned_commit_is_the_first_header_like_span_of_an_item() -> None:
    entry = entry_of(
        "- **Git plan**:\n"
        "  - Run `make check`, then `feat(io): add readers`(a.py, b.py)\n"
        "  - `fix(io): close files` and `docs: not a second commit`\n"
        "  - `chore: tidy` see the note)\n"
    )
    assert [(c.message, c.files, c.line) for c in entry.planned_commits] == [
        ("feat(io): add readers", ("a.py", "b.py"), 3),
        ("fix(io): close files", (), 4),
        ("chore: tidy", (), 5),
    ]


def test_the_derived_branch_comes_from_the_first_planned_commit() -> None:
    entry = entry_of(
        "- **Git plan**:\n  - `refactor(training): move ema`\n  - `docs(core): note it`\n"
    )
    assert entry.branch == "refactor/training-fold-loose-modules-packages"
    assert entry.branch_derived is True


def test_a_merge_conflict_marker_is_quoted_exactly() -> None:
    ledger = parse_ledger("# t\n<<<<<<< HEAD\n")
    assert [p.message for p in ledger.problems] == [
        "leftover merge-conflict marker '<<<<<<<': resolve the conflict and delete the marker line"
    ]


def test_a_fence_closes_only_on_its_own_marker() -> None:
    ledger = parse_ledger("# t\n```\nab\n" + HEADING + "```\n" + HEADING)
    assert [e.heading_line for e in ledger.entries] == [6]


def test_nested_details_hide_everything_until_the_outer_close() -> None:
    ledger = parse_ledger(
        "# t\n<details>\n<details>\n</details>\n"
        + HEADING
        + "</details>\n<details>\n"
        + HEADING
        + "</details>\n"
        + HEADING
    )
    assert [e.heading_line for e in ledger.entries] == [10]
    assert ledger.problems == ()


def test_a_level_four_heading_stays_inside_the_entry() -> None:
    entry = entry_of("#### Details\n- **Priority**: P1\n")
    assert entry.field_text("Priority") == "P1"
    assert entry.section == ""


def test_a_byte_order_mark_is_dropped_from_the_first_line_only() -> None:
    ledger = parse_ledger("\ufeff" + HEADING + "- **Notes**: \ufeffkept\n")
    [entry] = ledger.entries
    assert entry.heading_line == 1
    assert entry.fields[0].lines == ("\ufeffkept",)
