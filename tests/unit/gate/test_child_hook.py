"""The hook traced child processes run: one record per event below the root, nothing else."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tools.gate.child import sitecustomize
from tools.gate.child.sitecustomize import (
    LOG_VARIABLE,
    ROOT_VARIABLE,
    install,
    line_writer,
    make_hook,
)

pytestmark = pytest.mark.unit

CHILD_DIRECTORY = Path(sitecustomize.__file__).parent


def test_events_below_the_root_become_records(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    records: list[dict[str, object]] = []
    hook = make_hook(str(root), records.append)
    code = compile("", str(root / "tools" / "m.py"), "exec")
    hook("open", (str(root / "a.txt"), "r", 0))
    hook("open", (os.fsencode(tmp_path / "outside.txt"), "r", 0))
    hook("open", (5, "r", 0))
    hook("open", (object(), "r", 0))
    hook("exec", (code,))
    hook("exec", (compile("", "<string>", "exec"),))
    hook("os.scandir", (str(root / "d"),))
    hook("os.listdir", (None,))
    hook("subprocess.Popen", ("git", ["git", b"log"], str(root), None))
    hook("subprocess.Popen", ("sh", "echo", None, {"PATH": "/bin"}))
    hook("os.exec", ("/bin/git", ("git", "log"), {"PATH": "/bin"}))
    hook("os.fork", ())
    hook("compile", (b"", "x"))
    here = str(Path.cwd())
    assert records == [
        {"event": "open", "path": str(root / "a.txt")},
        {"event": "open", "path": str(root / "tools" / "m.py")},
        {"event": "list", "path": str(root / "d")},
        {"event": "process", "argv": ["git", "log"], "cwd": str(root), "inherits": True},
        {"event": "process", "argv": [], "cwd": here, "inherits": False},
        {"event": "process", "argv": ["git", "log"], "cwd": here, "inherits": True},
    ]


def test_in_the_test_process_imports_are_no_reads_and_forks_are_recorded(tmp_path: Path) -> None:
    module = tmp_path / "tools" / "m.py"
    records: list[dict[str, object]] = []
    hook = make_hook(str(tmp_path), records.append, in_test=True)
    namespace: dict[str, object] = {"hook": hook, "path": str(module)}
    hook("exec", (compile("", str(module), "exec"),))
    exec(compile("hook('open', (path,))", "<frozen importlib._bootstrap>", "exec"), namespace)
    assert records == []
    exec(compile("hook('open', (path,)); hook('os.fork', ())", str(module), "exec"), namespace)
    assert records == [
        {"event": "open", "path": str(module)},
        {"event": "fork", "paths": [str(module)]},
    ]


def test_the_hook_ignores_what_happens_while_it_writes(tmp_path: Path) -> None:
    records: list[dict[str, object]] = []

    def write(record: dict[str, object]) -> None:
        records.append(record)
        hook("open", (str(tmp_path / "inner.txt"), "r", 0))

    hook = make_hook(str(tmp_path), write)
    hook("open", (str(tmp_path / "outer.txt"), "r", 0))
    assert records == [{"event": "open", "path": str(tmp_path / "outer.txt")}]


def test_lines_are_appended_and_install_needs_both_variables(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        line_writer(fd)({"event": "open", "path": "p"})
        line_writer(fd)({"event": "list", "path": "q"})
    finally:
        os.close(fd)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["path"] for line in lines] == ["p", "q"]
    assert install({}) is False
    assert install({LOG_VARIABLE: str(log)}) is False
    assert install({ROOT_VARIABLE: str(tmp_path)}) is False


def test_a_python_started_with_both_variables_logs_into_a_file_only_its_user_reads(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.txt").write_text("a", encoding="utf-8")
    log, second = tmp_path / "log.jsonl", tmp_path / "second.jsonl"
    again = {LOG_VARIABLE: str(second), ROOT_VARIABLE: str(root)}
    code = f"import sitecustomize\nopen({str(root / 'a.txt')!r}).close()\n"
    code += f"print(sitecustomize.install({again!r}))\n"
    path = os.pathsep.join([str(CHILD_DIRECTORY), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONPATH": path, LOG_VARIABLE: str(log), ROOT_VARIABLE: str(root)}
    child = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        umask=0o022,
    )
    assert (child.returncode, child.stdout) == (0, "True\n"), child.stderr
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert records == [{"event": "open", "path": str(root / "a.txt")}]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(second.stat().st_mode) == 0o600
