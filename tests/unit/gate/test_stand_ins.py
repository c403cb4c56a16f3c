"""Stand-in files change exactly when what they stand for changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.gate.stand_ins import (
    LISTINGS_DIR,
    TREE_FILE,
    listed_directory,
    listing_file,
    listing_text,
    refresh,
    tree_text,
    write_if_changed,
    write_listing,
)

pytestmark = pytest.mark.unit


def test_a_listing_names_its_directory_and_leaves_caches_out() -> None:
    text = listing_text("tools/gate", ["b.py", "__pycache__", "a.py", ".nox"])
    assert text == "listing of tools/gate\na.py\nb.py\n"
    assert listed_directory(text) == "tools/gate"
    assert listed_directory("something else\n") is None
    assert listing_file("tools/gate").startswith(f"{LISTINGS_DIR}/tools_gate-")
    assert listing_file("tools/gate") != listing_file("tools_gate")


def test_write_if_changed_keeps_an_unchanged_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.txt"
    write_if_changed(target, "one\n")
    os.utime(target, (1, 1))
    write_if_changed(target, "one\n")
    assert target.stat().st_mtime == 1
    write_if_changed(target, "two\n")
    assert target.read_text(encoding="utf-8") == "two\n"


def test_the_tree_changes_with_any_file_of_the_work_tree(git_repo: Path) -> None:
    clean = tree_text(git_repo)
    assert [line.split()[1] for line in clean.splitlines()] == [
        ".gitignore",
        "README.md",
        "pkg/a.py",
        "pkg/b.py",
    ]
    (git_repo / ".cache").mkdir()
    (git_repo / ".cache" / "x").write_text("ignored", encoding="utf-8")
    assert tree_text(git_repo) == clean
    (git_repo / "pkg" / "a.py").write_text("A = 2\n", encoding="utf-8")
    edited = tree_text(git_repo)
    assert edited != clean
    (git_repo / "new.txt").write_text("n", encoding="utf-8")
    assert "new.txt" in tree_text(git_repo)
    (git_repo / "pkg" / "b.py").unlink()
    assert "deleted pkg/b.py" in tree_text(git_repo)
    git(git_repo, "add", "-A")
    assert "pkg/b.py" not in tree_text(git_repo)


def test_refresh_rewrites_the_tree_and_every_listing(git_repo: Path) -> None:
    stand_in = git_repo / write_listing(git_repo, "pkg")
    refresh(git_repo)
    tree = (git_repo / TREE_FILE).read_text(encoding="utf-8")
    (git_repo / "pkg" / "c.py").write_text("", encoding="utf-8")
    (git_repo / LISTINGS_DIR / "stray.txt").write_text("not a listing\n", encoding="utf-8")
    refresh(git_repo)
    assert stand_in.read_text(encoding="utf-8") == "listing of pkg\na.py\nb.py\nc.py\n"
    assert (git_repo / TREE_FILE).read_text(encoding="utf-8") != tree
    assert write_listing(git_repo, "gone") == listing_file("gone")
    assert (git_repo / listing_file("gone")).read_text(encoding="utf-8") == "listing of gone\n"
