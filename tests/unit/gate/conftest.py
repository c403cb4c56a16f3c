"""A small real git repository for the gate's tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grimp
import pytest

from tests.fixtures.git_env import isolated_git_env
from tools.gate.import_graph import ImportGraph


def git(root: Path, *args: str) -> str:
    env = isolated_git_env()
    completed = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return completed.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A repository with three committed files and an ignored cache directory."""
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("A = 1\n", encoding="utf-8")
    (root / "pkg" / "b.py").write_text("B = 1\n", encoding="utf-8")
    (root / "README.md").write_text("# r\n", encoding="utf-8")
    (root / ".gitignore").write_text(".cache/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


def graph_of(imports: dict[str, set[str]]) -> ImportGraph:
    """An import graph of modules that are all files: each module and what it imports."""
    graph = grimp.ImportGraph()
    for importer, imported in imports.items():
        graph.add_module(importer)
        for name in imported:
            graph.add_import(importer=importer, imported=name)
    return ImportGraph(graph, frozenset(imports))
