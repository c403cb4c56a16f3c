"""The working-tree copies cosmic-ray mutates: a symbolic link is copied as the link it is.

(The copy of files, edits and new ones included, is tested with the workers in
``test_processes.py``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.mutation.snapshot import copy_files

pytestmark = pytest.mark.unit


def test_a_symbolic_link_is_copied_as_a_link_even_when_it_dangles(tmp_path: Path) -> None:
    repo, copy = tmp_path / "repo", tmp_path / "copy"
    repo.mkdir()
    (repo / "a.py").write_text("a = 1\n", encoding="utf-8")
    (repo / "alias.py").symlink_to("a.py")
    (repo / "dangling.py").symlink_to("gone.py")

    copy_files(repo, ["a.py", "alias.py", "dangling.py"], copy)

    assert (copy / "alias.py").readlink() == Path("a.py")
    assert (copy / "dangling.py").readlink() == Path("gone.py")
    assert (copy / "alias.py").read_text(encoding="utf-8") == "a = 1\n"
