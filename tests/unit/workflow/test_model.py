"""The ledger's value types stay fixed once made, and text splits into lines that join back."""

from __future__ import annotations

import dataclasses

import pytest

from tools.workflow.ledger.model import Field, Ledger, LedgerProblem, split_text_keepends
from tools.workflow.ledger.parse import parse_ledger

pytestmark = pytest.mark.unit


def test_a_ledger_problem_is_a_fixed_hashable_value() -> None:
    problem = LedgerProblem(3, "error", "duplicate id")

    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.line = 4  # pyright: ignore[reportAttributeAccessIssue]
    assert {problem, LedgerProblem(3, "error", "duplicate id")} == {problem}


def test_a_field_is_a_fixed_hashable_value() -> None:
    field = Field("Summary", 2, (" One", "  two"), (2, 3))

    with pytest.raises(dataclasses.FrozenInstanceError):
        field.name = "Other"  # pyright: ignore[reportAttributeAccessIssue]
    assert {field, Field("Summary", 2, (" One", "  two"), (2, 3))} == {field}
    assert field.text == "One two"


def test_a_parsed_ledger_is_a_fixed_hashable_value() -> None:
    ledger = parse_ledger("### Open · tv-2025-01-01:PR?? · Write it\n\n- **Summary**: a\n")

    with pytest.raises(dataclasses.FrozenInstanceError):
        ledger.entries = ()  # pyright: ignore[reportAttributeAccessIssue]
    assert hash(ledger) == hash(Ledger(ledger.entries, ledger.problems))
    assert [entry.title for entry in ledger.entries] == ["Write it"]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("a\n", ["a\n"]),
        ("\nb", ["\n", "b"]),
        ("a\r\nb\nc", ["a\r\n", "b\n", "c"]),
        ("\n\n", ["\n", "\n"]),
    ],
)
def test_text_splits_after_each_newline_and_joins_back(text: str, lines: list[str]) -> None:
    assert split_text_keepends(text) == lines
    assert "".join(lines) == text
