"""The commit types come from .dev-guidelines/GIT_VERSIONING.md, so docs and code agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commit_rules import LINE_BUDGET, check_header
from tools.workflow.versioning import GUIDE_PATH, parse_commit_types, read_commit_types

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[3]
GUIDE_TEXT = (PROJECT_ROOT / GUIDE_PATH).read_text(encoding="utf-8")


def test_project_guide_lists_the_conventional_types() -> None:
    assert read_commit_types(PROJECT_ROOT) == (
        "feat",
        "fix",
        "docs",
        "style",
        "refactor",
        "perf",
        "test",
        "build",
        "ci",
        "chore",
        "revert",
    )


def test_every_documented_type_is_accepted_and_nothing_else() -> None:
    documented = read_commit_types(PROJECT_ROOT)
    table_rows = re.findall(r"^\| `([a-z]+)` \|", GUIDE_TEXT, flags=re.MULTILINE)

    assert tuple(table_rows) == documented
    for kind in documented:
        assert check_header(f"{kind}(ledger): add a thing", documented) == []
    assert check_header("feature(ledger): add a thing", documented) != []


def test_removing_a_row_from_the_table_removes_the_type() -> None:
    without_perf = GUIDE_TEXT.replace("| `perf` |", "| perf |")

    types = parse_commit_types(without_perf, "edited guide")

    assert "perf" not in types
    assert check_header("perf: speed up sampling", types) != []


def test_guide_states_the_line_budget_the_code_uses() -> None:
    assert f"at most **{LINE_BUDGET} lines**" in GUIDE_TEXT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no markers here", "expected one '<!-- commit-types:start -->'"),
        (
            "<!-- commit-types:start -->\n| Type |\n<!-- commit-types:end -->\n",
            "has no rows like",
        ),
        (
            "<!-- commit-types:end -->\n| `feat` | x |\n<!-- commit-types:start -->\n",
            "expected one",
        ),
    ],
)
def test_broken_guides_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        parse_commit_types(text, "guide.md")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message.startswith("guide.md: ")
    assert message in caught.value.message


def test_missing_guide_names_the_expected_path(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError) as caught:
        read_commit_types(tmp_path)

    assert caught.value.code == ExitCode.USAGE
    assert ".dev-guidelines/GIT_VERSIONING.md" in caught.value.message
