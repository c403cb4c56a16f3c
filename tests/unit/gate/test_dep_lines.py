"""Dependencies become testmon's file/line data: whole files, stand-ins, or the lines that ran.
Stand-in files change exactly when what they stand for changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git, graph_of
from tools.gate.dep_lines import (
    LISTINGS_DIR,
    TREE_FILE,
    DepLines,
    listing_file,
    refresh,
    tree_text,
    write_if_changed,
    write_listing,
)
from tools.gate.deps import Deps

pytestmark = pytest.mark.unit

GRAPH = graph_of({"tools.a": {"tools.b"}, "tools.b": set(), "tests.test_a": {"tools.a"}})


@pytest.fixture
def root(tmp_path: Path) -> Path:
    files = {
        "tools/a.py": '"""A."""\n\nimport tools.b\n\n\ndef f():\n    return 1\n',
        "tools/b.py": "# comment first\nX = 1\n",
        "tools/data/table.toml": "x = 1\n",
        "tools/__pycache__/a.cpython-311.pyc": "",
        "tests/test_a.py": "import tools.a\n",
        "notes.txt": "one\ntwo\n",
        TREE_FILE: "tree\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_files_modules_listings_and_the_tree_as_whole_files(root: Path) -> None:
    lines = DepLines(root, lambda: GRAPH)
    deps = Deps(files={"notes.txt", "gone.txt"}, modules={"tools.a"}, listings={"tools", "."})
    deps.opaque = True
    found = lines.files_lines(deps)
    assert (root / listing_file("tools")).read_text(encoding="utf-8") == "a.py\nb.py\ndata\n"
    assert (root / listing_file(".")).read_text(encoding="utf-8") == "notes.txt\ntests\ntools\n"
    assert found == {
        "notes.txt": {1, 2, 3},
        "tools/a.py": set(range(1, 9)),
        "tools/b.py": {1, 2, 3},
        "tools/data/table.toml": {1, 2},
        listing_file("tools"): set(range(1, 5)),
        listing_file("."): set(range(1, 5)),
        TREE_FILE: {1, 2},
    }


def test_a_module_brings_the_data_of_its_own_top_level_package_and_no_other_file(
    root: Path,
) -> None:
    found = DepLines(root, lambda: GRAPH).files_lines(Deps(modules={"tools.a"}))
    assert found == {
        "tools/a.py": set(range(1, 9)),
        "tools/b.py": {1, 2, 3},
        "tools/data/table.toml": {1, 2},
    }


def test_import_lines_cover_the_module_block_of_everything_imported(root: Path) -> None:
    lines = DepLines(root, lambda: GRAPH)
    ran = {"tools/a.py": {1, 3, 6}}
    assert lines.import_lines("tests/test_a.py", ran) == {
        "tests/test_a.py": {1},
        "tools/a.py": {1, 3, 6},
        "tools/b.py": {2},
    }
    assert lines.import_lines("conftest.py", ran) == {}
    (root / "tools" / "b.py").write_text("def (\n", encoding="utf-8")
    assert DepLines(root, lambda: GRAPH).import_lines("tests/test_a.py", {})["tools/b.py"] == set()
    (root / "tools" / "b.py").write_text("", encoding="utf-8")
    assert DepLines(root, lambda: GRAPH).import_lines("tests/test_a.py", {})["tools/b.py"] == set()


def test_without_ran_lines_an_import_depends_on_its_first_statement_only(root: Path) -> None:
    found = DepLines(root, lambda: GRAPH).import_lines("tests/test_a.py", {})
    assert found == {"tests/test_a.py": {1}, "tools/a.py": {1}, "tools/b.py": {2}}


def test_a_file_that_cannot_be_read_is_still_one_line(root: Path) -> None:
    lines = DepLines(root, lambda: GRAPH)
    assert lines.whole_file("gone.txt") == frozenset({1})
    assert lines.whole_file("notes.txt") == frozenset({1, 2, 3})


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
    assert len(clean.splitlines()) == 1
    (git_repo / ".cache").mkdir()
    (git_repo / ".cache" / "x").write_text("ignored", encoding="utf-8")
    assert tree_text(git_repo) == clean
    (git_repo / "pkg" / "a.py").write_text("A = 2\n", encoding="utf-8")
    edited = tree_text(git_repo)
    (git_repo / "pkg" / "a.py").write_text("A = 3\n", encoding="utf-8")
    assert len({clean, edited, tree_text(git_repo)}) == 3
    (git_repo / "new.txt").write_text("n", encoding="utf-8")
    assert "new.txt" in tree_text(git_repo)
    (git_repo / "pkg" / "b.py").unlink()
    deleted = tree_text(git_repo)
    assert "deleted pkg/b.py" in deleted
    git(git_repo, "add", "-A")
    assert tree_text(git_repo) == deleted


def test_refresh_rewrites_the_tree_and_every_listing(git_repo: Path) -> None:
    stand_in = git_repo / write_listing(git_repo, "pkg")
    refresh(git_repo)
    tree = (git_repo / TREE_FILE).read_text(encoding="utf-8")
    (git_repo / "pkg" / "c.py").write_text("", encoding="utf-8")
    (git_repo / LISTINGS_DIR / "stray.txt").write_text("not a listing\n", encoding="utf-8")
    refresh(git_repo)
    assert stand_in.read_text(encoding="utf-8") == "a.py\nb.py\nc.py\n"
    assert (git_repo / TREE_FILE).read_text(encoding="utf-8") != tree
    assert write_listing(git_repo, "gone") == listing_file("gone")
    assert (git_repo / listing_file("gone")).read_text(encoding="utf-8") == ""
