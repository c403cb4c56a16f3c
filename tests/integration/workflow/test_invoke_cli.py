"""The real ``invoke`` command with the project's tasks.py: wiring, exit codes, output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[3]
TASK_NAMES = (
    "abort",
    "check-range",
    "commit",
    "continue",
    "hooks",
    "ledger-lint",
    "pr",
    "release",
    "ship",
    "start-task",
    "status",
    "sync",
    "tasks",
)
IMPORT_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import invoke  # with what it imports itself (yaml, where installed)
before = set(sys.modules)
import tasks
allowed = set(sys.stdlib_module_names) | {"invoke", "tasks", "tools"}
extra = sorted(
    name for name in set(sys.modules) - before if name.split(".")[0] not in allowed
)
workflow = sorted(name for name in sys.modules if name.startswith("tools."))
print(json.dumps({"extra": extra, "workflow": workflow}))
"""


def test_list_shows_every_workflow_task() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(PROJECT_ROOT), "--list", "--list-format=json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)["tasks"]
    assert tuple(sorted(task["name"] for task in listed)) == TASK_NAMES
    assert all(task["help"] for task in listed)


def test_importing_tasks_loads_only_the_standard_library_and_invoke() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )

    report = json.loads(result.stdout)
    assert report == {"extra": [], "workflow": []}


def test_ledger_lint_reports_the_conflict_marker_line(seed_scratch: Scratch) -> None:
    marker_line = (seed_scratch.root / ".ldres" / "tv-tasks.md").read_text(
        encoding="utf-8"
    ).splitlines().index("=======") + 1

    result = seed_scratch.invoke("ledger-lint")

    assert result.returncode == 1
    assert (
        f".ldres/tv-tasks.md:{marker_line}: error: leftover merge-conflict marker '======='"
        in result.stdout
    )
    assert "error: .ldres/tv-tasks.md: 1 error(s), 2 warning(s)" in result.stderr


def test_tasks_table_and_ambiguous_start(clean_scratch: Scratch) -> None:
    table = clean_scratch.invoke("tasks", extra_env={"COLUMNS": "200"})
    ambiguous = clean_scratch.invoke("start-task", "tv-2025-11")

    assert table.returncode == 0
    header = table.stdout.splitlines()[0].split()
    assert header == ["id", "status", "priority", "size", "title", "branch", "blocked-by"]
    assert "tv-2025-11-01:PR??  Open" in table.stdout
    assert "Tidy the sampling options" in table.stdout
    assert "Export models to ONNX" not in table.stdout
    assert ambiguous.returncode == 2
    assert "pick one: invoke start-task tv-2025-11 --pick <N>" in ambiguous.stderr


def test_tasks_as_json_lists_every_field_whole(clean_scratch: Scratch) -> None:
    result = clean_scratch.invoke("tasks", "--json")

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [entry["title"] for entry in listed] == [
        "Tidy the sampling options",
        "Document the sampling options",
        "Add a tokenizer benchmark",
    ]
    assert {"id": "tv-2025-11-01:PR12", "status": "In progress"}.items() <= listed[0].items()
    assert set(listed[0]) == {"id", "status", "priority", "size", "title", "branch", "blocked-by"}


def test_whole_loop_through_the_command_line(seed_scratch: Scratch) -> None:
    passing = json.dumps([sys.executable, "-c", "pass"])
    gate = {"WORKFLOW_GATE_FULL": passing, "WORKFLOW_GATE_FAST": passing}
    newer_main = seed_scratch.upstream_commit("notes.txt", "later\n", "docs: add notes")

    started = seed_scratch.invoke("start-task", "tv-2025-10-04")
    assert started.returncode == 0, started.stderr
    assert seed_scratch.git.current_branch() == "docs/import-policy-pep420"
    assert seed_scratch.clone_git("rev-parse", "HEAD~1") == newer_main

    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(300))
    too_big = seed_scratch.invoke("commit", "-m", "docs(imports): add the guide", extra_env=gate)
    assert too_big.returncode == 1
    assert "error: staged change touches 300 lines" in too_big.stderr

    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(30))
    vague = seed_scratch.invoke("commit", "-m", "Fixed stuff", extra_env=gate)
    assert vague.returncode == 1
    assert "error: commit message rejected: header 'Fixed stuff'" in vague.stderr

    good = seed_scratch.invoke("commit", "-m", "docs(imports): add the guide", extra_env=gate)
    assert good.returncode == 0, good.stderr

    shipped = seed_scratch.invoke("ship")
    assert shipped.returncode == 0, shipped.stderr
    assert seed_scratch.origin_rev("refs/heads/main") == seed_scratch.rev("main")
    assert seed_scratch.origin_rev("refs/heads/docs/import-policy-pep420") is None
    assert seed_scratch.rev("refs/heads/docs/import-policy-pep420") is None

    check = seed_scratch.invoke("check-range", "--base", newer_main)
    assert check.returncode == 0, check.stdout
    assert "All 3 commit(s)" in check.stdout
