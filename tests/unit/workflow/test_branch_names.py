"""Branch name grammar, git ref-name rules and derived branch names."""

from __future__ import annotations

import pytest

from tools.workflow.versioning import (
    branch_name_problem,
    branch_problems,
    derive_branch,
    ref_name_problem,
)

pytestmark = pytest.mark.unit

TYPES = ("docs", "feat", "refactor", "test")


@pytest.mark.parametrize(
    "name", ["docs/import-policy-pep420", "test/regression-suite", "feat/ui2-dark-mode-v3"]
)
def test_valid_branches(name: str) -> None:
    assert branch_problems(name, TYPES) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("docs/imports", "breaks the grammar"),
        ("Docs/Import-Policy", "breaks the grammar"),
        ("docs/import_policy-x", "breaks the grammar"),
        ("docs/import--policy", "breaks the grammar"),
        ("chore/ledger-tidy", "starts with unknown type 'chore'"),
        ("docs/a..b-c", "contains '..'"),
        ("docs/a-b.lock", "ends with '.lock'"),
    ],
)
def test_invalid_branches(name: str, problem: str) -> None:
    assert any(problem in found for found in branch_problems(name, TYPES))


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "the name is empty"),
        ("a b", "contains a space"),
        ("a~b", "contains a space, control character"),
        ("a\tb", "contains a space, control character"),
        ("/a", "empty path component"),
        ("a//b", "empty path component"),
        ("a/", "empty path component"),
        ("a/.b", "starts with '.'"),
        ("a.", "ends with '.'"),
        ("a@{b", "contains '@{'"),
        ("a..b", "contains '..'"),
    ],
)
def test_ref_name_problems(name: str, problem: str) -> None:
    found = ref_name_problem(name)
    assert found is not None
    assert problem in found


def test_branch_only_rules() -> None:
    assert branch_name_problem("-x") == "starts with '-'"
    assert branch_name_problem("HEAD") == "'HEAD' is reserved by git"
    assert branch_name_problem("feat/x-y") is None


@pytest.mark.parametrize(
    ("kind", "scope", "title", "expected"),
    [
        (
            "refactor",
            "training",
            "Integrate standalone units into canonical packages",
            "refactor/training-integrate-standalone-units-canonical-packages",
        ),
        ("docs", None, "Write the guide", "docs/write-guide"),
        ("docs", "cosmic-ray", "Tune it", "docs/cosmic-ray-tune-it"),
        ("docs", None, "Guide", None),
        ("docs", "x", "!!!", None),
        ("fix", "parser", "Fix über parser", "fix/parser-fix-uber-parser"),
        ("docs", None, "Straße und Café", "docs/strasse-und-cafe"),
        ("docs", None, "日本 notes", None),
        (
            "feat",
            "ui",
            "one two three four five six seven eight",
            "feat/ui-one-two-three-four-five-six",
        ),
    ],
)
def test_derive_branch(kind: str, scope: str | None, title: str, expected: str | None) -> None:
    assert derive_branch(kind, scope, title) == expected
