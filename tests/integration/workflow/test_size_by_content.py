"""The size budget counts content: ``.gitattributes`` cannot hide lines from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.workflow.commit_rules import commit_changes, measure, staged_changes
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.integration

BIG = "".join(f"line_{n} = {n}\n" for n in range(300))


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    (tmp_path / "README.md").write_text("# r\n", encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "init")
    isolated = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return Git(tmp_path, isolated)


@pytest.mark.parametrize("attribute", ["-diff", "binary", "diff=hidden"])
def test_a_file_marked_binary_by_an_attribute_counts_its_lines(repo: Git, attribute: str) -> None:
    root = repo.root
    (root / ".gitattributes").write_text(f"big.py {attribute}\n", encoding="utf-8")
    (root / "big.py").write_text(BIG, encoding="utf-8")
    git(root, "config", "diff.hidden.textconv", "true")  # a driver that shows nothing
    git(root, "add", ".")
    staged = measure(staged_changes(repo))
    assert dict(staged.counted) == {".gitattributes": 1, "big.py": 300}
    assert staged.over_budget()
    git(root, "commit", "-q", "-m", "big")
    committed = measure(commit_changes(repo, "HEAD"))
    assert committed.total == 301
    (root / "big.py").write_text(BIG.replace("line_7 ", "line_seven "), encoding="utf-8")
    git(root, "add", ".")
    assert dict(measure(staged_changes(repo)).counted) == {"big.py": 2}


def test_content_with_a_nul_byte_stays_binary(repo: Git) -> None:
    (repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x00" + b"\n" * 500)
    git(repo.root, "add", ".")
    report = measure(staged_changes(repo))
    assert report.total == 0
    assert report.not_counted == (("logo.png", "binary file"),)
