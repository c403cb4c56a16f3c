"""Tests that kill surviving mutants of tools/workflow/commit_rules.py (see
docs/testing/mutation.md): the length thresholds of the imperative-mood heuristic, the header
length limit, one-line messages and trailers."""

from __future__ import annotations

import dataclasses

import pytest

from tools.workflow.commit_rules import (
    HEADER_MAX_LENGTH,
    check_header,
    check_message,
    imperative_problem,
    parse_header,
    trailer_value,
)

pytestmark = pytest.mark.unit

TYPES = ("feat", "fix")


@pytest.mark.parametrize(
    ("subject", "flagged"),
    [
        ("es modules", False),  # two letters: too short to judge
        ("ups the limit", True),  # three letters ending in s
        ("led the way", False),  # three letters ending in ed: too short for that rule
        ("owed money", True),  # four letters ending in ed
        ("ping the host", False),  # four letters ending in ing: too short for that rule
        ("doing more", True),  # five letters ending in ing
    ],
)
def test_the_length_thresholds_of_the_mood_heuristic(subject: str, flagged: bool) -> None:
    hint = imperative_problem(subject)
    word = subject.split()[0]
    assert hint == (
        f"start the subject with an imperative verb ('fix', 'add'), not '{word}'"
        if flagged
        else None
    )


def test_a_header_of_exactly_the_limit_is_accepted() -> None:
    header = "feat: " + "a" * (HEADER_MAX_LENGTH - len("feat: "))
    assert len(header) == HEADER_MAX_LENGTH
    assert check_header(header, TYPES) == []
    assert check_header(header + "a", TYPES) == [
        f"header is {HEADER_MAX_LENGTH + 1} characters long; the limit is {HEADER_MAX_LENGTH}"
    ]


def test_a_one_line_message_needs_no_blank_line() -> None:
    assert check_message("feat: add readers", TYPES) == []
    assert check_message("feat: add readers\n", TYPES) == []


def test_a_trailer_needs_a_paragraph_before_it() -> None:
    assert trailer_value("Refs: 12", "Refs") is None
    assert trailer_value("feat: add readers\n\nRefs: 12", "Refs") == "12"
    assert trailer_value("feat: add\n\nbody text\n\nRefs: 12", "refs") == "12"


def test_a_parsed_header_is_immutable() -> None:
    header = parse_header("feat(io)!: add readers")
    assert header is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        header.subject = "other"  # type: ignore[misc]
