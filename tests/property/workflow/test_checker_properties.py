"""Properties of the message checker, the numstat parser and branch derivation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.workflow.commit_rules import (
    HEADER_MAX_LENGTH,
    FileChange,
    check_header,
    check_message,
    parse_numstat,
)
from tools.workflow.ledger.parse import parse_ledger
from tools.workflow.versioning import branch_problems, derive_branch

pytestmark = pytest.mark.property

TYPES = ("feat", "fix", "docs", "refactor", "test", "chore")
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_VERBS = st.sampled_from(["add", "fix", "move", "remove", "document", "split", "rename"])
_PATHS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\0\t"),
    min_size=1,
    max_size=20,
)


@given(
    kind=st.sampled_from(TYPES),
    scope=st.none() | _WORD,
    breaking=st.booleans(),
    verb=_VERBS,
    rest=st.lists(_WORD, max_size=6),
)
def test_well_formed_headers_are_accepted(
    kind: str, scope: str | None, breaking: bool, verb: str, rest: list[str]
) -> None:
    header = f"{kind}{f'({scope})' if scope else ''}{'!' if breaking else ''}: {verb}"
    header = " ".join([header, *rest])

    problems = check_header(header, TYPES)

    assert (problems == []) == (len(header) <= HEADER_MAX_LENGTH)


@given(kind=_WORD.filter(lambda word: word not in TYPES), verb=_VERBS)
def test_unlisted_types_are_rejected(kind: str, verb: str) -> None:
    assert any("unknown type" in problem for problem in check_header(f"{kind}: {verb} it", TYPES))


@given(st.text(max_size=200))
def test_checker_never_crashes_and_explains_rejections(message: str) -> None:
    problems = check_message(message, TYPES)

    assert all(isinstance(problem, str) and problem for problem in problems)


@given(
    st.lists(
        st.tuples(
            _PATHS,
            st.none() | st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
            st.none() | _PATHS,
        ),
        max_size=6,
    )
)
def test_numstat_round_trip(
    records: list[tuple[str, tuple[int, int] | None, str | None]],
) -> None:
    expected: list[FileChange] = []
    chunks: list[str] = []
    for path, counts, old in records:
        added, removed = counts if counts is not None else (None, None)
        counted = "-\t-" if counts is None else f"{counts[0]}\t{counts[1]}"
        if old is None:
            chunks.append(f"{counted}\t{path}\0")
        else:
            chunks.append(f"{counted}\t\0{old}\0{path}\0")
        expected.append(FileChange(path, added, removed, old))

    assert parse_numstat("".join(chunks)) == expected


@given(
    kind=st.sampled_from(TYPES), scope=st.none() | st.text(max_size=12), title=st.text(max_size=60)
)
def test_derived_branches_always_pass_the_grammar(kind: str, scope: str | None, title: str) -> None:
    branch = derive_branch(kind, scope, title)

    if branch is not None:
        assert branch_problems(branch, TYPES) == []


@given(st.text(max_size=400))
def test_parser_survives_any_text(text: str) -> None:
    ledger = parse_ledger(text)

    line_count = len(text.split("\n"))
    for entry in ledger.entries:
        assert 1 <= entry.heading_line <= entry.end_line <= line_count
    for problem in ledger.problems:
        assert 1 <= problem.line <= line_count
