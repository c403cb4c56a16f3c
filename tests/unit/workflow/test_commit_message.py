"""The Conventional Commits checker."""

from __future__ import annotations

import pytest

from tools.workflow.commit_rules import (
    STRAY_CARRIAGE_RETURN,
    check_header,
    check_message,
    imperative_problem,
    parse_header,
    strip_comments,
    trailer_value,
)

pytestmark = pytest.mark.unit

TYPES = ("feat", "fix", "docs", "refactor", "test", "chore")


@pytest.mark.parametrize(
    "header",
    [
        "feat: add sampling temperature",
        "fix(cli): handle a missing config file",
        "refactor(training/optim)!: split the scheduler",
        "chore(cosmic-ray): configure the first targets",
        "docs: address review comments",
        "test(ledger): embed a fixture",
        "fix: bring back the progress bar",
    ],
)
def test_valid_headers(header: str) -> None:
    assert check_header(header, TYPES) == []


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("Fixed stuff", "header 'Fixed stuff' is not a Conventional Commit"),
        ("feature: add x", "unknown type 'feature': expected one of chore, docs, feat"),
        ("Feat: add x", "type 'Feat' must be lowercase ('feat')"),
        ("feat(UI): add x", "scope '(UI)' must be lowercase words"),
        ("feat(): add x", "scope '()' must be lowercase words"),
        ("feat:add x", "put exactly one space after the colon"),
        ("feat:  add x", "put exactly one space after the colon"),
        ("feat: ", "the subject after the colon is empty"),
        ("feat: add x.", "do not end the subject with a period"),
        ("fix: fixed the parser", "not 'fixed'"),
        ("fix: fixing the parser", "not 'fixing'"),
        ("fix: fixes the parser", "not 'fixes'"),
        ("feat: " + "a" * 70, "header is 76 characters long; the limit is 72"),
    ],
)
def test_invalid_headers(header: str, problem: str) -> None:
    problems = check_header(header, TYPES)

    assert any(problem in found for found in problems), problems


def test_message_body_needs_a_blank_line() -> None:
    assert check_message("feat: add x\nmore words", TYPES) == [
        "leave a blank line between the header and the body"
    ]
    assert check_message("feat: add x\n\nmore words\n", TYPES) == []
    assert check_message("  \n", TYPES) == ["the commit message is empty"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("feat(qa): add x\rFixed stuff", [STRAY_CARRIAGE_RETURN]),
        ("feat: add x\r\n\r\nbody\rmore\r\n", [STRAY_CARRIAGE_RETURN]),
        ("feat: add x\r\n\r\nbody line\r\n", []),
        ("feat: add x\r", [STRAY_CARRIAGE_RETURN]),
    ],
    ids=["in-the-header", "in-the-body", "crlf-endings", "at-the-end"],
)
def test_a_carriage_return_ends_no_line(message: str, expected: list[str]) -> None:
    assert check_message(message, TYPES) == expected


def test_a_carriage_return_does_not_split_comments_or_trailers() -> None:
    assert strip_comments("feat: add x\r# not a comment line\n# one") == (
        "feat: add x\r# not a comment line"
    )
    assert trailer_value("feat: x\n\nLarge-change-reason: a\rb", "Large-change-reason") == "a\rb"


def test_parse_header_parts() -> None:
    parsed = parse_header("refactor(core)!: move things")

    assert parsed is not None
    assert (parsed.type, parsed.scope, parsed.breaking, parsed.subject) == (
        "refactor",
        "core",
        True,
        "move things",
    )
    assert parse_header("no colon here") is None


def test_trailer_value_reads_the_last_paragraph_only() -> None:
    message = "feat: add x\n\nbody\n\nLarge-change-reason: vendored data\nRefs: #1\n"

    assert trailer_value(message, "Large-change-reason") == "vendored data"
    assert (
        trailer_value("feat: add x\n\nLarge-change-reason: y\n\nplain text", "Large-change-reason")
        is None
    )
    assert trailer_value("feat: add x", "Large-change-reason") is None


def test_strip_comments_drops_comment_lines_and_the_scissors_part() -> None:
    text = (
        "feat: add x\n\n# Please enter the message\nbody line\n"
        "# ------------------------ >8 ------------------------\ndiff --git a b\n"
    )

    assert strip_comments(text) == "feat: add x\n\nbody line"
    assert strip_comments("; note\nfix: y\n", comment_char=";") == "fix: y"


@pytest.mark.parametrize("subject", ["", "   ", "go faster", "is it ok", "a7 tweaks"])
def test_empty_or_short_first_words_are_not_judged(subject: str) -> None:
    assert imperative_problem(subject) is None


def test_third_person_first_word_is_flagged() -> None:
    assert imperative_problem("adds the option") == (
        "start the subject with an imperative verb ('fix', 'add'), not 'adds'"
    )
    assert imperative_problem("process the queue") is None
