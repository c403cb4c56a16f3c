"""Records of what a test did become its dependencies: files, listings, modules, the tree."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tools.gate.deps import (
    Deps,
    DepsRecorder,
    process_deps,
    python_command,
    repo_relative,
    runs_python,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "tools" / "x").mkdir(parents=True)
    (repo / "tools" / "x" / "mod.py").write_text("", encoding="utf-8")
    (repo / "data.txt").write_text("", encoding="utf-8")
    return repo


def recorded(root: Path, *records: dict[str, object]) -> Deps:
    recorder = DepsRecorder(root)
    deps = Deps()
    recorder.take({"event": "open", "path": str(root / "data.txt")})  # nothing records yet
    with recorder.recording(deps):
        for record in records:
            recorder.take(record)
    return deps


def process(argv: list[str], cwd: Path | str, inherits: bool = True) -> dict[str, object]:
    return {"event": "process", "argv": argv, "cwd": str(cwd), "inherits": inherits}


def test_paths_below_the_root_are_relative_and_caches_are_not_source(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert repo_relative(str(tmp_path / "tools" / "a.py"), root) == "tools/a.py"
    assert repo_relative(root, root) == "."
    assert repo_relative(str(tmp_path / ".cache" / "x"), root) is None
    assert repo_relative(str(tmp_path / "tools" / "__pycache__" / "a.pyc"), root) is None
    assert repo_relative(str(tmp_path) + "-sibling/a.py", root) is None


def test_reads_and_listings_inside_the_root(root: Path, tmp_path: Path) -> None:
    deps = recorded(
        root,
        {"event": "open", "path": str(root / "data.txt")},
        {"event": "open", "path": str(root / "tools")},
        {"event": "open", "path": str(root / "tools" / "later.txt")},
        {"event": "open", "path": str(tmp_path / "elsewhere.txt")},
        {"event": "open", "path": str(root / ".cache" / "x")},
        {"event": "open", "path": str(root)},
        {"event": "list", "path": str(root / "tools" / "x")},
        {"event": "list", "path": str(root)},
        {"event": "unknown"},
    )
    assert deps == Deps(files={"data.txt"}, listings={"tools", "tools/x", "."})


def test_opening_a_missing_file_depends_on_its_directory_s_listing(root: Path) -> None:
    assert recorded(root, {"event": "open", "path": str(root / "later.txt")}) == Deps(
        listings={"."}
    )
    missing = str(root / "tools" / "x" / "later.txt")
    assert recorded(root, {"event": "open", "path": missing}) == Deps(listings={"tools/x"})


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["python", "-m", "tools.x", "--flag"], ("-m", "tools.x", False)),
        (["python3", "-u", "-W", "error", "-mtools.y"], ("-m", "tools.y", False)),
        (["python", "-c", "import os"], ("-c", "import os", False)),
        (["python", "-cprint(1)"], ("-c", "print(1)", False)),
        (["python", "-X", "utf8", "script.py", "-m"], ("script", "script.py", False)),
        (["python", "-S", "-m", "x"], ("-m", "x", True)),
        (["python", "-W", "error", "-I", "x.py"], ("script", "x.py", True)),
        (["python", "-uE", "-c", "pass"], ("-c", "pass", True)),
        (["python", "-W", "ignore", "-m", "S"], ("-m", "S", False)),
        (["python", "--version"], (None, None, False)),
        (["python", "-"], (None, None, False)),
        (["python", "-m"], (None, None, False)),
        (["python", "-Sc", "import x"], ("-c", "import x", True)),
        (["python", "-bIm", "x"], ("-m", "x", True)),
        (["python", "-Werror::SyntaxWarning", "-m", "x"], ("-m", "x", False)),
        (["python", "-Xdev", "-c", "pass"], ("-c", "pass", False)),
        (["python", "-W"], (None, None, False)),
        (["python", "--check-hash-based-pycs", "always", "x.py"], ("script", "x.py", False)),
        (["python", "--", "-x.py"], ("script", "-x.py", False)),
        (["python", "--"], (None, None, False)),
    ],
)
def test_what_a_python_command_line_runs(
    argv: list[str], expected: tuple[str | None, str | None, bool]
) -> None:
    assert python_command(argv) == expected


def test_interpreters_are_known_by_name_or_by_their_shebang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in {"tool": "#!/venv/bin/python\n", "other": "#!/bin/sh\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert runs_python(sys.executable)
    assert runs_python("/usr/bin/python3.11")
    assert runs_python("tool")
    assert not runs_python("other")
    assert not runs_python("missing-program")


def test_only_the_first_256_bytes_of_a_shebang_line_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, padding in {"short": 247, "long": 248}.items():
        (tmp_path / name).write_text("#!/" + "x" * padding + "python\n", encoding="utf-8")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert runs_python("short")  # "python" ends at byte 256
    assert not runs_python("long")  # the kernel reads no further either


def test_a_process_working_inside_the_repository_is_opaque(root: Path) -> None:
    assert process_deps(["git", "status"], str(root / "tools"), str(root)) == Deps(opaque=True)
    assert process_deps([], "/", str(root)).opaque


def test_a_python_process_elsewhere_depends_on_what_it_runs(root: Path, tmp_path: Path) -> None:
    deps = process_deps(["python", "-m", "tools.x.mod", "x"], "/", str(root))
    assert deps == Deps(modules={"tools.x.mod"})
    code = "from tools.x import mod\nimport json"
    assert process_deps(["python3", "-c", code], "/", str(root)) == Deps(
        modules={"tools.x", "tools.x.mod"}
    )
    (tmp_path / "run.py").write_text("import ml_playground.cli\n", encoding="utf-8")
    deps = process_deps(["python", "run.py"], str(tmp_path), str(root))
    assert deps == Deps(modules={"ml_playground.cli"})
    assert process_deps(["python", "gone.py"], str(tmp_path), str(root)).opaque
    assert process_deps(["python", "-c", "def ("], "/", str(root)).opaque
    assert process_deps(["python"], "/", str(root)).opaque


def test_a_module_run_with_a_joined_m_option_is_a_dependency(root: Path) -> None:
    joined = process_deps(["python", "-mtools.x.mod"], "/", str(root))
    assert joined == Deps(modules={"tools.x.mod"})
    assert process_deps(["python", "-m", "tools"], "/", str(root)) == Deps(modules={"tools"})


def test_arguments_naming_repository_files_are_read(root: Path) -> None:
    argv = ["lint", str(root / "data.txt"), str(root / "tools/x/mod.py"), "tools.y.z"]
    deps = process_deps(argv, "/", str(root))
    assert deps == Deps(files={"data.txt", "tools/x/mod.py"}, modules={"tools.x.mod", "tools.y.z"})
    assert process_deps(["lint", str(root / "tools")], "/", str(root)).opaque


def test_a_repository_file_run_as_the_program_is_read(root: Path) -> None:
    """A hook script run by its path from outside the repository: a change to it must reach
    the tests that run it."""
    (root / ".githooks").mkdir()
    (root / ".githooks/pre-commit").write_text("#!/bin/sh\n", encoding="utf-8")
    hook = str(root / ".githooks/pre-commit")
    assert process_deps([hook, "--check"], "/", str(root)) == Deps(files={".githooks/pre-commit"})


def test_processes_that_log_themselves_add_nothing_others_the_static_rule(root: Path) -> None:
    python = sys.executable
    assert recorded(root, process([python, "-m", "tools.x.mod"], "/")) == Deps()
    deps = recorded(root, process([python, "-S", "-m", "tools.x.mod"], "/"))
    assert deps.modules == {"tools.x.mod"}
    assert recorded(root, process([python, "-m", "tools.x.mod"], "/", False)).modules == {
        "tools.x.mod"
    }
    assert recorded(root, process(["git", "status"], root)).opaque
    assert recorded(root, process([], "/")).opaque


def test_a_fork_depends_on_the_project_modules_on_the_stack(root: Path) -> None:
    paths = [str(root / "tools" / "x" / "mod.py"), str(root / "tools/gate/run.py"), "/lib/a.py"]
    assert recorded(root, {"event": "fork", "paths": paths}) == Deps(modules={"tools.x.mod"})


def test_replay_takes_what_children_logged_around_a_line_cut_short(
    root: Path, tmp_path: Path
) -> None:
    log = tmp_path / "child.jsonl"
    records = [
        {"event": "open", "path": str(root / "data.txt")},
        {"event": "list", "path": str(root / "tools")},
        process(["git", "log"], root),
    ]
    lines = [json.dumps(records[0]), '{"event": "op', *map(json.dumps, records[1:]), '{"ev']
    log.write_text("\n".join(lines), "utf-8")
    recorder = DepsRecorder(root)
    deps = Deps()
    with recorder.recording(deps):
        recorder.replay(log)
        recorder.replay(tmp_path / "missing.jsonl")
    assert deps == Deps(files={"data.txt"}, listings={"tools"}, opaque=True)


def test_wide_fixtures_and_module_imports_reach_each_test(root: Path) -> None:
    recorder = DepsRecorder(root)
    recorder.by_module_file["tests/test_a.py"] = Deps(files={"a"})
    recorder.by_fixture["server"] = Deps(files={"b"})
    assert recorder.deps_of("tests/test_a.py", ["server", "tmp_path"]).files == {"a", "b"}
    assert recorder.deps_of("tests/test_b.py", ["tmp_path"]) == Deps()


def test_deps_merge() -> None:
    deps = Deps(files={"a"})
    deps.update(Deps(listings={"d"}, modules={"m"}, opaque=True))
    assert deps == Deps(files={"a"}, listings={"d"}, modules={"m"}, opaque=True)


def test_the_recorder_is_muted_inside_mute_only_however_deeply_nested(root: Path) -> None:
    recorder = DepsRecorder(root)
    assert not recorder.muted
    with recorder.mute():
        assert recorder.muted
        with recorder.mute():
            assert recorder.muted
        assert recorder.muted
    assert not recorder.muted


def test_a_recording_that_ends_stops_only_itself_even_when_an_equal_one_is_open(
    root: Path,
) -> None:
    """A module-scoped fixture recorded inside a test that has read nothing yet: both records
    are equal when the fixture's ends, and the test's must go on recording."""
    recorder = DepsRecorder(root)
    test, fixture = Deps(), Deps()
    with recorder.recording(test):
        with recorder.recording(fixture):
            recorder.take({"event": "open", "path": str(root / "data.txt")})
        recorder.take({"event": "open", "path": str(root / "tools/x/mod.py")})
    assert test == Deps(files={"data.txt", "tools/x/mod.py"})
    assert fixture == Deps(files={"data.txt"})
    assert recorder.active == []
