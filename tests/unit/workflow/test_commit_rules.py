"""The limits of tools/workflow/commit_rules.py: the header length, the 200-line budget, how far
a file is probed for binary content, and attributes files that would hide a text file."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.workflow.scratch import isolated_env
from tools.workflow.commit_rules import (
    CommitHeader,
    FileChange,
    SizeReport,
    check_header,
    describe_size,
    measure,
    parse_header,
    staged_changes,
)
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.unit

TYPES = ("docs", "feat", "fix")


def _repository(tmp_path: Path, attributes: str) -> Git:
    """A repository without commits whose files ``attributes`` (.git/info/attributes) marks."""
    root = tmp_path / "repo"
    env = {**isolated_env(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    subprocess.run(["git", "init", "--quiet", str(root)], env=env, check=True)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "attributes").write_text(attributes, encoding="utf-8")
    return Git(root, env)


def _staged(git: Git, name: str, data: bytes) -> list[FileChange]:
    (git.root / name).write_bytes(data)
    git.run("add", "--", name)
    return staged_changes(git)


def test_a_header_may_be_72_characters_long_and_no_longer() -> None:
    fits = "docs: " + "a" * 66

    assert check_header(fits, TYPES) == []
    assert check_header(fits + "b", TYPES) == ["header is 73 characters long; the limit is 72"]


def test_a_parsed_header_is_an_immutable_value() -> None:
    header = parse_header("feat(cli)!: add a flag")

    assert header == CommitHeader("feat", "cli", True, "add a flag")
    assert header is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        header.subject = "other"  # type: ignore[misc]
    assert len({header, CommitHeader("feat", "cli", True, "add a flag")}) == 1


def test_the_line_budget_is_200_touched_lines() -> None:
    assert SizeReport(200, (("a.py", 200),), ()).over_budget() is False
    assert SizeReport(201, (("a.py", 201),), ()).over_budget() is True
    assert describe_size(SizeReport(201, (("a.py", 201),), ()))[-1] == (
        "total 201 touched line(s); budget 200"
    )


def test_a_nul_after_the_first_8000_bytes_does_not_make_a_file_binary(tmp_path: Path) -> None:
    git = _repository(tmp_path, "*.dat binary\n")
    data = b"x\n" * 4000 + b"\0\n"

    assert _staged(git, "probe.dat", data) == [FileChange("probe.dat", 4001, 0)]
    assert _staged(git, "probe.dat", b"x\n" * 3999 + b"\0\n") == [
        FileChange("probe.dat", None, None)
    ]


def test_the_user_s_own_attributes_file_cannot_hide_a_text_file_from_the_count(
    tmp_path: Path,
) -> None:
    """$XDG_CONFIG_HOME/git/attributes applies in every repository and outside them too."""
    git = _repository(tmp_path, "")
    (tmp_path / "xdg" / "git").mkdir(parents=True)
    (tmp_path / "xdg" / "git" / "attributes").write_text("* binary\n", encoding="utf-8")

    changes = _staged(git, "notes.txt", b"a\nb\n")

    assert changes == [FileChange("notes.txt", 2, 0)]
    assert measure(changes) == SizeReport(2, (("notes.txt", 2),), ())


def test_an_attributes_file_named_in_the_environment_cannot_hide_one_either(
    tmp_path: Path,
) -> None:
    git = _repository(tmp_path, "")
    attributes = tmp_path / "attributes"
    attributes.write_text("* binary\n", encoding="utf-8")
    named = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.attributesFile"}
    git = Git(git.root, {**git.env, **named, "GIT_CONFIG_VALUE_0": str(attributes)})

    assert _staged(git, "notes.txt", b"a\nb\nc\n") == [FileChange("notes.txt", 3, 0)]


def test_a_size_report_is_an_immutable_value() -> None:
    report = SizeReport(3, (("a.txt", 3),), ())

    with pytest.raises(dataclasses.FrozenInstanceError):
        report.total = 0  # type: ignore[misc]
    assert {report, SizeReport(3, (("a.txt", 3),), ())} == {report}
