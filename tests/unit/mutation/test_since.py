"""--since REV: the lines changed since a revision, read from a real git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools.mutation.errors import MutationError
from tools.mutation.since import changed_modules, git_config_env, resolve

pytestmark = pytest.mark.unit


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("".join(f"line{i}\n" for i in range(1, 11)))
    (tmp_path / "pkg" / "b.py").write_text("one\ntwo\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "init")
    return tmp_path


def test_modules_with_an_added_or_changed_line_are_selected(repo: Path) -> None:
    (repo / "pkg" / "a.py").write_text("line0\n" + (repo / "pkg" / "a.py").read_text())
    git(repo, "commit", "-q", "-am", "edit a")
    (repo / "pkg" / "b.py").write_text("one\n")  # a pure deletion, uncommitted
    (repo / "pkg" / "c d.py").write_text("new\n")
    git(repo, "add", "pkg/c d.py")  # staged, with a space in its name

    assert changed_modules(repo, "HEAD~1", ["pkg"]) == {"pkg/a.py", "pkg/c d.py"}
    assert changed_modules(repo, "HEAD", ["pkg/a.py", "pkg/b.py"]) == set()


def test_a_module_with_a_tab_in_its_name_is_selected_by_its_whole_name(repo: Path) -> None:
    (repo / "pkg" / "c\td.py").write_text("new\n")
    git(repo, "add", "pkg")

    assert changed_modules(repo, "HEAD", ["pkg"]) == {"pkg/c\td.py"}


def test_an_unknown_revision_is_named(repo: Path) -> None:
    assert len(resolve(repo, "HEAD")) == 40
    with pytest.raises(MutationError, match="unknown revision 'nope'"):
        resolve(repo, "nope")


def test_the_git_filter_sees_plain_b_prefixes_whatever_the_user_config(repo: Path) -> None:
    git(repo, "config", "diff.noprefix", "true")
    (repo / "pkg" / "b.py").write_text("one\nTWO\n")
    env = git_config_env({"PATH": "/usr/bin:/bin", "HOME": str(repo)})
    diff = subprocess.run(
        ["git", "diff", "-U0", "HEAD"], cwd=repo, env=env, capture_output=True, text=True
    ).stdout
    assert "+++ b/pkg/b.py" in diff


def test_without_git_on_the_path_the_revision_cannot_be_resolved(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    with pytest.raises(MutationError) as failed:
        resolve(repo, "HEAD")
    assert str(failed.value) == (f"unknown revision 'HEAD' (not a commit in {repo.as_posix()})")
