"""What a started process depends on, decided from its command line and working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.gate.file_deps import (
    Deps,
    process_deps,
    repo_relative,
)

pytestmark = pytest.mark.unit


def no_file(path: str) -> str | None:
    return None


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "tools" / "checks").mkdir(parents=True)
    (root / "tools" / "checks" / "sweep.py").write_text("", encoding="utf-8")
    (root / "README.md").write_text("", encoding="utf-8")
    return root


def test_paths_below_the_root_are_relative_and_caches_are_not_source(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert repo_relative(str(tmp_path / "tools" / "a.py"), root) == "tools/a.py"
    assert repo_relative(root, root) == "."
    assert repo_relative(str(tmp_path / ".cache" / "x"), root) is None
    assert repo_relative(str(tmp_path / "tools" / "__pycache__" / "a.pyc"), root) is None
    assert repo_relative(str(tmp_path) + "-sibling/a.py", root) is None


def test_a_process_working_inside_the_repository_is_opaque(repo: Path) -> None:
    deps = process_deps(["git", "status"], str(repo / "tools"), str(repo), no_file)
    assert deps == Deps(opaque=True)
    assert process_deps([], "/", str(repo), no_file).opaque


def test_a_python_module_outside_the_repository_is_its_module(repo: Path) -> None:
    deps = process_deps(["python", "-m", "tools.checks.sweep", "x"], "/", str(repo), no_file)
    assert deps == Deps(modules={"tools.checks.sweep"})


def test_inline_code_and_scripts_depend_on_what_they_import(repo: Path, tmp_path: Path) -> None:
    code = "from tools.checks import sweep\nimport json"
    deps = process_deps(["python3", "-c", code], "/", str(repo), no_file)
    assert deps.modules == {"tools.checks", "tools.checks.sweep"}
    script = tmp_path / "run.py"
    script.write_text("import ml_playground.cli\n", encoding="utf-8")
    deps = process_deps(
        ["python", "run.py"], str(tmp_path), str(repo), lambda p: Path(p).read_text()
    )
    assert deps.modules == {"ml_playground.cli"}
    assert process_deps(["python", "gone.py"], str(tmp_path), str(repo), no_file).opaque
    assert process_deps(["python", "-c", "def ("], "/", str(repo), no_file).opaque
    assert process_deps(["python"], "/", str(repo), no_file).opaque


def test_arguments_naming_repository_files_are_read(repo: Path) -> None:
    argv = ["lint", str(repo / "README.md"), str(repo / "tools/checks/sweep.py"), "tools.x.y"]
    deps = process_deps(argv, "/", str(repo), no_file)
    assert deps.files == {"README.md", "tools/checks/sweep.py"}
    assert deps.modules == {"tools.checks.sweep", "tools.x.y"}
    assert not deps.opaque
    assert process_deps(["lint", str(repo / "tools")], "/", str(repo), no_file).opaque


def test_deps_merge() -> None:
    deps = Deps(files={"a"}, lines={"m.py": {1}})
    deps.update(Deps(listings={"d"}, modules={"m"}, opaque=True, lines={"m.py": {2}, "n.py": {3}}))
    assert deps == Deps(
        files={"a"}, listings={"d"}, modules={"m"}, opaque=True, lines={"m.py": {1, 2}, "n.py": {3}}
    )
