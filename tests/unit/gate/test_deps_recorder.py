"""Audit events become the dependencies of whatever is recording."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tools.gate.deps_recorder import LOG_VARIABLE, DepsRecorder
from tools.gate.file_deps import Deps

pytestmark = pytest.mark.unit


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "tools" / "x").mkdir(parents=True)
    (repo / "tools" / "x" / "mod.py").write_text("", encoding="utf-8")
    (repo / "data.txt").write_text("", encoding="utf-8")
    return repo


def recorded(root: Path, *events: tuple[str, tuple[object, ...]]) -> Deps:
    recorder = DepsRecorder(root)
    deps = Deps()
    recorder.on_event("open", (str(root / "data.txt"),))  # nothing records yet
    with recorder.recording(deps):
        for event, args in events:
            recorder.on_event(event, args)
    return deps


def test_reads_and_listings_inside_the_root(root: Path, tmp_path: Path) -> None:
    deps = recorded(
        root,
        ("open", (str(root / "data.txt"), "r", 0)),
        ("open", (os.fsencode(root / "tools"), "r", 0)),
        ("open", (str(root / "tools" / "later.txt"), "r", 0)),
        ("open", (3, "r", 0)),
        ("open", (str(tmp_path / "elsewhere.txt"), "r", 0)),
        ("open", (str(root / ".cache" / "x"), "r", 0)),
        ("open", (str(root), "r", 0)),
        ("os.scandir", (str(root / "tools" / "x"),)),
        ("os.listdir", (None,)),
    )
    assert deps.files == {"data.txt"}
    assert deps.listings == {"tools", "tools/x"} | ({"."} if Path.cwd() == root else set())
    assert not deps.opaque


def test_a_python_file_opened_by_the_import_system_is_not_a_read(root: Path) -> None:
    recorder = DepsRecorder(root)
    deps = Deps()
    with recorder.recording(deps):
        recorder.on_open(str(root / "tools" / "x" / "mod.py"), in_import=True)
    assert deps == Deps()
    with recorder.recording(deps):
        recorder.on_open(str(root / "tools" / "x" / "mod.py"))
    assert deps.files == {"tools/x/mod.py"}


def test_processes_that_log_themselves_add_nothing_others_the_static_rule(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = sys.executable
    traced = recorded(
        root, ("subprocess.Popen", (python, [python, "-m", "tools.x.mod"], "/", None))
    )
    assert traced == Deps()
    isolated = [python, "-S", "-m", "tools.x.mod"]
    deps = recorded(root, ("subprocess.Popen", (python, isolated, "/", None)))
    assert deps.modules == {"tools.x.mod"}
    env = {"PATH": os.environ.get("PATH", "")}
    deps = recorded(root, ("subprocess.Popen", (python, [python, "-m", "tools.x.mod"], "/", env)))
    assert deps.modules == {"tools.x.mod"}
    inherited = {**env, LOG_VARIABLE: "log"}
    git = ["git", "status"]
    deps = recorded(root, ("subprocess.Popen", ("git", git, str(root), inherited)))
    assert deps.opaque
    assert recorded(root, ("subprocess.Popen", ("sh", "echo hi", "/", None))).opaque
    assert not recorded(root, ("os.exec", ("git", ["git", "log"], {}))).opaque
    monkeypatch.chdir(root)
    assert recorded(root, ("os.exec", ("git", ["git", "log"], {}))).opaque
    assert recorded(root, ("os.posix_spawn", ("x",))).opaque


def test_a_fork_depends_on_the_modules_on_the_stack(root: Path) -> None:
    namespace: dict[str, object] = {}
    source = "import sys\ndef here():\n    return sys._getframe(0)\n"
    code = compile(source, str(root / "tools" / "x" / "mod.py"), "exec")
    exec(code, namespace)
    frame = namespace["here"]()  # type: ignore[operator]
    recorder = DepsRecorder(root)
    deps = Deps()
    with recorder.recording(deps):
        recorder.on_fork(frame)  # type: ignore[arg-type]
        recorder.on_event("os.fork", ())
    assert deps.modules == {"tools.x.mod"}


def test_replay_adds_what_traced_children_logged(root: Path, tmp_path: Path) -> None:
    log = tmp_path / "child.jsonl"
    records = [
        {"event": "open", "path": str(root / "data.txt")},
        {"event": "list", "path": str(root / "tools")},
        {"event": "process", "argv": ["git", "log"], "cwd": str(root), "inherits": False},
        {"event": "process", "argv": ["python", "-m", "y"], "cwd": str(root), "inherits": True},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"event": "op', "utf-8")
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
