"""Which entry a query means, and how dependencies settle ambiguous ids."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.ledger.model import Ledger, LedgerEntry
from tools.workflow.ledger.parse import parse_ledger, parse_ledger_bytes
from tools.workflow.ledger.select import (
    blockers,
    head_phrase,
    matching_entries,
    referenced_entries,
    select_entry,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "workflow"


def _seed() -> Ledger:
    return parse_ledger_bytes((FIXTURES / "seed_like_ledger.md").read_bytes())


def _titles(entries: Sequence[LedgerEntry]) -> list[str]:
    return [entry.title for entry in entries]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Coverage plan towards full coverage", "coverage plan"),
        ("Move packages to implicit namespaces", "move packages"),
        ("Make PEP 420 the import policy", None),
        ("Fix to it", None),
        ("Roadmap to everything", None),
    ],
)
def test_head_phrase(title: str, expected: str | None) -> None:
    assert head_phrase(title) == expected


def test_dependencies_name_entries_by_quoted_title_head_phrase_and_unique_id() -> None:
    ledger = _seed()
    by_title = {entry.title: entry for entry in ledger.entries}

    assert _titles(
        referenced_entries(by_title["Move packages to implicit namespaces"], ledger)
    ) == ["Make PEP 420 the import policy"]
    assert _titles(referenced_entries(by_title["Mutation testing trial"], ledger)) == [
        "Coverage plan towards full coverage"
    ]
    assert _titles(referenced_entries(by_title["Coverage plan towards full coverage"], ledger)) == [
        "Stabilise the coverage badge"
    ]
    assert referenced_entries(by_title["Build a regression suite"], ledger) == []
    assert referenced_entries(by_title["Stabilise the coverage badge"], ledger) == []


def test_done_dependencies_do_not_block() -> None:
    ledger = parse_ledger(
        "### Done · tv-2025-01-01:PR1 · Lay the groundwork\n\n- **Summary**: x\n\n"
        "### Open · tv-2025-01-02:PR?? · Build on it\n\n"
        '- **Dependencies**: "Lay the groundwork".\n'
    )

    assert _titles(referenced_entries(ledger.entries[1], ledger)) == ["Lay the groundwork"]
    assert blockers(ledger.entries[1], ledger) == []


def test_exact_then_prefix_then_title_matching() -> None:
    ledger = _seed()

    assert _titles(matching_entries(ledger, "tv-2025-10-03:PR35")) == [
        "Stabilise the coverage badge"
    ]
    assert len(matching_entries(ledger, "tv-2025-10-03")) == 4
    assert _titles(matching_entries(ledger, "task-2")) == ["Fold loose modules into their packages"]
    assert _titles(matching_entries(ledger, "REGRESSION")) == ["Build a regression suite"]
    assert matching_entries(ledger, "   ") == []


def test_shared_id_selects_the_entry_that_does_not_wait() -> None:
    selection = select_entry(_seed(), "tv-2025-10-04", None, "start-task")

    assert selection.entry.title == "Make PEP 420 the import policy"
    assert [(entry.title, reason) for entry, reason in selection.set_aside] == [
        (
            "Move packages to implicit namespaces",
            'waits for "Make PEP 420 the import policy" (Open)',
        )
    ]


def test_deferred_and_blocked_entries_are_set_aside() -> None:
    selection = select_entry(_seed(), "tv-2025-10-03", None, "start-task")

    assert selection.entry.title == "Build a regression suite"
    reasons = {entry.title: reason for entry, reason in selection.set_aside}
    assert reasons == {
        "Coverage plan towards full coverage": (
            'waits for "Stabilise the coverage badge" (Deferred)'
        ),
        "Mutation testing trial": 'waits for "Coverage plan towards full coverage" (Open)',
        "Stabilise the coverage badge": "Deferred",
    }


def test_pick_overrides_the_set_aside_rules() -> None:
    selection = select_entry(_seed(), "tv-2025-10-04", 2, "start-task")

    assert selection.entry.title == "Move packages to implicit namespaces"


def test_pick_out_of_range_and_no_match_are_usage_errors() -> None:
    with pytest.raises(WorkflowError) as out_of_range:
        select_entry(_seed(), "tv-2025-10-04", 3, "start-task")
    with pytest.raises(WorkflowError) as nothing:
        select_entry(_seed(), "tv-2030", None, "start-task")

    assert out_of_range.value.code == ExitCode.USAGE
    assert (
        out_of_range.value.message == "--pick 3 is out of range: 'tv-2025-10-04' matches 2 entries"
    )
    assert nothing.value.code == ExitCode.USAGE


def test_all_candidates_set_aside_is_ambiguous() -> None:
    ledger = parse_ledger(
        "### Deferred · tv-2025-02-01:PR?? · Later one\n\n- **Summary**: a\n\n"
        "### Done · tv-2025-02-01:PR?? · Finished one\n\n- **Summary**: b\n"
    )

    with pytest.raises(WorkflowError) as caught:
        select_entry(ledger, "tv-2025-02-01", None, "start-task")

    assert caught.value.message == (
        "'tv-2025-02-01' matches 2 entries and 0 of them can be started now; choose one"
    )
    assert caught.value.details == (
        "1. tv-2025-02-01:PR?? · Deferred · Later one (line 1)  [set aside: Deferred]",
        "2. tv-2025-02-01:PR?? · Done · Finished one (line 5)  [set aside: already Done]",
        "pick one: invoke start-task tv-2025-02-01 --pick <N>",
    )


def test_entry_without_dependencies_references_nothing() -> None:
    ledger = parse_ledger(
        "### Open · tv-2025-01-01:PR?? · Write the guide\n\n- **Summary**: Alone.\n\n"
        "### Open · tv-2025-01-02:PR?? · Review the guide\n\n"
        '- **Dependencies**: "Write the guide".\n'
    )
    alone, waiting = ledger.entries

    assert referenced_entries(alone, ledger) == []
    assert blockers(alone, ledger) == []
    assert _titles(blockers(waiting, ledger)) == ["Write the guide"]


def test_pick_1_chooses_the_first_match_and_pick_0_is_out_of_range() -> None:
    selection = select_entry(_seed(), "tv-2025-10-04", 1, "start-task")
    with pytest.raises(WorkflowError) as zero:
        select_entry(_seed(), "tv-2025-10-04", 0, "start-task")

    assert selection.entry.title == "Make PEP 420 the import policy"
    assert selection.set_aside == ()
    assert zero.value.message == "--pick 0 is out of range: 'tv-2025-10-04' matches 2 entries"


def test_a_selection_cannot_be_changed_once_made() -> None:
    selection = select_entry(_seed(), "tv-2025-10-04", 1, "start-task")

    with pytest.raises(dataclasses.FrozenInstanceError):
        selection.set_aside = ()  # pyright: ignore[reportAttributeAccessIssue]
    assert hash(selection) == hash(dataclasses.replace(selection))


def test_an_entry_named_by_its_unique_id_does_not_hide_the_entries_named_after_it() -> None:
    ledger = parse_ledger(
        "### Open · tv-2025-01-01:PR1 · Write the guide\n\n- **Summary**: a\n\n"
        "### Open · tv-2025-01-02:PR2 · Review the guide\n\n- **Summary**: b\n\n"
        "### Open · tv-2025-01-03:PR?? · Publish it\n\n"
        '- **Dependencies**: tv-2025-01-01:PR1 and "Review the guide".\n'
    )

    assert _titles(referenced_entries(ledger.entries[2], ledger)) == [
        "Write the guide",
        "Review the guide",
    ]
