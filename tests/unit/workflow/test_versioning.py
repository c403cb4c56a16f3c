"""The commit-types block, ref-name limits, derived branch names and the verdicts on commits."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.workflow.scratch import isolated_env
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.repo.git import Git
from tools.workflow.versioning import (
    CommitVerdict,
    check_commit,
    derive_branch,
    parse_commit_types,
    ref_name_problem,
    report_verdicts,
)

pytestmark = pytest.mark.unit

START = "<!-- commit-types:start -->"
END = "<!-- commit-types:end -->"
TYPES = ("feat", "fix", "docs", "test")


def git_in(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args],
        cwd=root,
        env=isolated_env(root.parent / "home"),
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    """A repository with one commit on main, driven with an isolated git configuration."""
    root = tmp_path / "repo"
    root.mkdir()
    git_in(root, "init", "--quiet")
    (root / "a.txt").write_text("a\n", encoding="utf-8")
    git_in(root, "add", "a.txt")
    git_in(root, "commit", "--quiet", "-m", "feat: add a")
    return Git(root, isolated_env(tmp_path / "home"))


def test_the_row_right_after_the_start_marker_is_a_type() -> None:
    text = f"{START}\n| `feat` | x |\n| `fix` | y |\n{END}\n"

    assert parse_commit_types(text, "guide.md") == ("feat", "fix")


def test_rows_outside_the_block_are_not_types() -> None:
    text = f"| `wip` | before |\n{START}\n| `feat` | x |\n{END}\n| `tmp` | after |\n"

    assert parse_commit_types(text, "guide.md") == ("feat",)


def test_a_repeated_row_gives_its_type_once() -> None:
    text = f"{START}\n| `feat` | x |\n| `fix` | y |\n| `feat` | again |\n{END}\n"

    assert parse_commit_types(text, "guide.md") == ("feat", "fix")


@pytest.mark.parametrize(
    "text",
    [
        f"{START}\n| `feat` | x |\n{START}\n| `fix` | y |\n{END}\n",
        f"{START}\n| `feat` | x |\n{END}\n| `fix` | y |\n{END}\n",
        f"{START}\n| `feat` | x |\n",
        f"| `feat` | x |\n{END}\n",
    ],
    ids=["two starts", "two ends", "no end", "no start"],
)
def test_a_guide_without_exactly_one_block_is_a_usage_error(text: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        parse_commit_types(text, "guide.md")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"guide.md: expected one '{START}' ... '{END}' block listing the commit types"
    )


def test_a_derived_description_keeps_exactly_six_words() -> None:
    assert derive_branch("feat", None, "one two three four five six") == (
        "feat/one-two-three-four-five-six"
    )
    assert derive_branch("feat", None, "one two three four five six seven") == (
        "feat/one-two-three-four-five-six"
    )


@pytest.mark.parametrize("char", ["\x00", "\x1f", " "])
def test_control_characters_and_the_space_are_refused(char: str) -> None:
    assert ref_name_problem(f"feat/a{char}b") == (
        "contains a space, control character or one of ~ ^ : ? * [ \\"
    )


@pytest.mark.parametrize("char", ["!", '"', "#", "-", "_"])
def test_printable_characters_after_the_space_are_allowed(char: str) -> None:
    assert ref_name_problem(f"feat/a{char}b") is None


def test_a_verdict_cannot_be_changed() -> None:
    verdict = CommitVerdict("abc", "feat: x", 3, ())

    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.subject = "fix: y"  # type: ignore[misc]


def test_the_subject_of_a_commit_is_its_first_line(repo: Git) -> None:
    (repo.root / "b.txt").write_text("b\n", encoding="utf-8")
    git_in(repo.root, "add", "b.txt")
    git_in(repo.root, "commit", "--quiet", "-m", "feat: add b", "-m", "Why b.\nMore on b.")
    sha = git_in(repo.root, "rev-parse", "HEAD")

    verdict = check_commit(repo, sha, TYPES)

    assert verdict == CommitVerdict(sha, "feat: add b", 1, ())
    assert verdict.ok


def test_a_merge_commit_is_refused(repo: Git) -> None:
    git_in(repo.root, "checkout", "--quiet", "-b", "side")
    (repo.root / "b.txt").write_text("b\n", encoding="utf-8")
    git_in(repo.root, "add", "b.txt")
    git_in(repo.root, "commit", "--quiet", "-m", "feat: add b")
    git_in(repo.root, "checkout", "--quiet", "main")
    (repo.root / "c.txt").write_text("c\n", encoding="utf-8")
    git_in(repo.root, "add", "c.txt")
    git_in(repo.root, "commit", "--quiet", "-m", "feat: add c")
    git_in(repo.root, "merge", "--quiet", "--no-ff", "--no-edit", "-m", "feat: merge b", "side")
    sha = git_in(repo.root, "rev-parse", "HEAD")

    verdict = check_commit(repo, sha, TYPES)

    assert verdict.subject == "feat: merge b"
    assert verdict.problems == (
        "merge commit: history must stay linear (rebase instead of merging)",
    )
    assert not verdict.ok


def test_report_marks_each_commit_and_returns_the_failed_ones() -> None:
    good = CommitVerdict("0123456789abcdef", "feat: add a", 3, ())
    bad = CommitVerdict("fedcba9876543210", "oops", 12, ("bad header", "too big"))
    out = io.StringIO()

    failed = report_verdicts([good, bad], Reporter(out, io.StringIO()))

    assert failed == [bad]
    assert out.getvalue().splitlines() == [
        "ok   0123456789     3 lines  feat: add a",
        "FAIL fedcba9876    12 lines  oops",
        "       - bad header",
        "       - too big",
    ]
