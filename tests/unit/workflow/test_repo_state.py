"""The workflow's records under .git/ and what it reads of the repository's state: the JSON
records as written, unfinished git operations, changed tracked files and how they are listed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.workflow.scratch import isolated_env
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import (
    STATE_DIRECTORY,
    BranchTask,
    Operation,
    changed_files,
    clear_operation,
    describe_files,
    load_operation,
    operation_in_progress,
    remember_branch_task,
    save_operation,
)

pytestmark = pytest.mark.unit


def git_in(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=root,
        env=isolated_env(root.parent / "home"),
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    """A fresh repository (no commits) driven with an isolated git configuration."""
    root = tmp_path / "repo"
    root.mkdir()
    git_in(root, "init", "--quiet")
    return Git(root, isolated_env(tmp_path / "home"))


def commit_files(repo: Git, names: list[str]) -> None:
    for name in names:
        (repo.root / name).write_text(f"{name}\n", encoding="utf-8")
    git_in(repo.root, "add", "--", *names)
    git_in(repo.root, "commit", "--quiet", "-m", "chore: add files")


def state_file(repo: Git, name: str) -> Path:
    return repo.root / ".git" / STATE_DIRECTORY / name


def test_records_are_values_usable_as_set_members() -> None:
    tasks = {BranchTask("docs/a-b", None, "A b"), BranchTask("docs/a-b", None, "A b")}
    operations = {Operation("sync", "docs/a-b", "rebase", "1", "2")} | {
        Operation("sync", "docs/a-b", "rebase", "1", "2")
    }

    assert len(tasks) == 1
    assert len(operations) == 1


def test_an_operation_record_is_sorted_json_indented_by_two(repo: Git) -> None:
    save_operation(repo, Operation("release", "main", "tag", "1" * 4, "2" * 4, "v1.2.0"))

    assert state_file(repo, "operation.json").read_text(encoding="utf-8") == (
        "{\n"
        '  "branch": "main",\n'
        '  "head_before": "1111",\n'
        '  "kind": "release",\n'
        '  "main_before": "2222",\n'
        '  "step": "tag",\n'
        '  "tag": "v1.2.0"\n'
        "}\n"
    )


def test_a_branch_record_is_sorted_json_indented_by_two(repo: Git) -> None:
    remember_branch_task(repo, BranchTask("fix/b", "tv-2025-10-04:PR??", "B"))
    remember_branch_task(repo, BranchTask("docs/a", None, "A"))

    assert state_file(repo, "branch-tasks.json").read_text(encoding="utf-8") == (
        "{\n"
        '  "docs/a": {\n'
        '    "task_id": null,\n'
        '    "title": "A"\n'
        "  },\n"
        '  "fix/b": {\n'
        '    "task_id": "tv-2025-10-04:PR??",\n'
        '    "title": "B"\n'
        "  }\n"
        "}\n"
    )


def test_a_release_record_keeps_its_tag(repo: Git) -> None:
    release = Operation("release", "main", "tag", "1" * 40, "2" * 40, "v1.2.0")

    save_operation(repo, release)

    assert load_operation(repo) == release


def write_operation(repo: Git, record: dict[str, object]) -> None:
    path = state_file(repo, "operation.json")
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record), encoding="utf-8")


COMPLETE = {"branch": "docs/a-b", "step": "rebase", "head_before": "1", "main_before": "2"}


def test_a_tag_that_is_not_text_reads_as_no_tag(repo: Git) -> None:
    write_operation(repo, {**COMPLETE, "kind": "sync", "tag": 7})

    assert load_operation(repo) == Operation("sync", "docs/a-b", "rebase", "1", "2", "")


@pytest.mark.parametrize(
    "record",
    [
        {**COMPLETE, "kind": "rebase"},
        {**COMPLETE, "kind": "sync", "step": None},
        {"kind": "ship", "branch": "docs/a-b"},
    ],
    ids=["unknown-kind", "step-not-text", "fields-missing"],
)
def test_an_incomplete_operation_record_reads_as_none(repo: Git, record: dict[str, object]) -> None:
    write_operation(repo, record)

    assert load_operation(repo) is None


def test_clearing_without_a_record_is_a_no_op(repo: Git) -> None:
    clear_operation(repo)

    assert load_operation(repo) is None
    assert not state_file(repo, "operation.json").exists()


def test_clearing_removes_the_record(repo: Git) -> None:
    save_operation(repo, Operation("ship", "docs/a-b", "push-main", "1", "2"))

    clear_operation(repo)

    assert load_operation(repo) is None


@pytest.mark.parametrize(
    ("marker", "description"),
    [
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or git am"),
        ("MERGE_HEAD", "a merge"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
    ],
)
def test_a_marker_in_the_git_directory_names_the_operation(
    repo: Git, marker: str, description: str
) -> None:
    assert operation_in_progress(repo) is None

    (repo.root / ".git" / marker).write_text("", encoding="utf-8")

    assert operation_in_progress(repo) == description


def test_a_one_letter_file_name_is_listed(repo: Git) -> None:
    commit_files(repo, ["a", "bc"])
    (repo.root / "a").write_text("changed\n", encoding="utf-8")

    assert changed_files(repo) == ["a"]


def test_a_rename_is_listed_once_and_the_files_after_it_too(repo: Git) -> None:
    commit_files(repo, ["b.txt", "m.txt", "z.txt"])
    git_in(repo.root, "mv", "b.txt", "a.txt")
    (repo.root / "m.txt").write_text("changed\n", encoding="utf-8")
    (repo.root / "z.txt").write_text("changed\n", encoding="utf-8")

    assert changed_files(repo) == ["a.txt", "m.txt", "z.txt"]


def test_a_clean_tree_has_no_changed_files(repo: Git) -> None:
    commit_files(repo, ["a"])
    (repo.root / "untracked.txt").write_text("new\n", encoding="utf-8")

    assert changed_files(repo) == []


def names(count: int) -> list[str]:
    return [f"f{index}" for index in range(count)]


@pytest.mark.parametrize(
    ("count", "described"),
    [
        (0, ""),
        (1, "f0"),
        (9, "f0, f1, f2, f3, f4, f5, f6, f7, f8"),
        (10, "f0, f1, f2, f3, f4, f5, f6, f7, f8, f9"),
        (11, "f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 1 more"),
        (13, "f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 3 more"),
    ],
)
def test_up_to_ten_files_are_named_and_the_rest_counted(count: int, described: str) -> None:
    assert describe_files(names(count)) == described
