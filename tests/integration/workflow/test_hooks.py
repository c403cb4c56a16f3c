"""The tracked .githooks/ scripts, installed with invoke hooks, running inside real git."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tools.workflow.commit_flow import commit_staged
from tools.workflow.git import Git
from tools.workflow.hooks import install_hooks

if TYPE_CHECKING:
    from tests.integration.workflow.conftest import Captured, Scratch

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _install(scratch: Scratch, out: Captured, fast_gate: list[str]) -> dict[str, str]:
    """Copy the hooks into the clone and point git at them; they import this project's
    ``tools.workflow`` (so coverage measures the code under test, not a copy)."""
    shutil.copytree(PROJECT_ROOT / ".githooks", scratch.root / ".githooks")
    install_hooks(scratch.git, out.reporter)
    return {
        "PYTHONPATH": str(PROJECT_ROOT),
        "WORKFLOW_PYTHON": sys.executable,
        "WORKFLOW_GATE_FAST": json.dumps(fast_gate),
        "WORKFLOW_GATE_FULL": json.dumps(fast_gate),
    }


def _git(scratch: Scratch, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=scratch.root,
        env={**scratch.env, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_install_sets_hooks_path(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _install(seed_scratch, out, passing_gate)

    assert seed_scratch.clone_git("config", "core.hooksPath") == ".githooks"
    assert "commit-msg, pre-commit, pre-push are active" in out.out


def test_commit_msg_hook_rejects_a_bad_message(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    env = _install(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.stage("a.txt", "a\n")
    head = seed_scratch.rev("HEAD")

    result = _git(seed_scratch, env, "commit", "-m", "Fixed stuff")

    assert result.returncode == 1
    assert "error: commit-msg: header 'Fixed stuff' is not a Conventional Commit" in result.stderr
    assert seed_scratch.rev("HEAD") == head


def test_pre_commit_hook_rejects_an_oversized_change(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    env = _install(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.stage("a.txt", seed_scratch.numbered_lines(300))

    result = _git(seed_scratch, env, "commit", "-m", "docs(hooks): add a")

    assert result.returncode == 1
    assert "pre-commit: staged change touches 300 lines" in result.stderr


def test_pre_commit_hook_runs_the_fast_gate(
    seed_scratch: Scratch, out: Captured, failing_gate: list[str]
) -> None:
    env = _install(seed_scratch, out, failing_gate)
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.stage("a.txt", "a\n")

    result = _git(seed_scratch, env, "commit", "-m", "docs(hooks): add a")

    assert result.returncode == 1
    assert "quality gate" in result.stderr
    assert "failed with exit status 3" in result.stderr


def test_good_commit_passes_all_hooks(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    env = _install(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.stage("a.txt", "a\n")

    result = _git(seed_scratch, env, "commit", "-m", "docs(hooks): add a")

    assert result.returncode == 0, result.stderr
    assert seed_scratch.clone_git("log", "-1", "--format=%s") == "docs(hooks): add a"


def test_pre_push_hook_rejects_a_bad_commit_in_the_range(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.commit_file("a.txt", "a\n", "Fixed stuff")
    env = _install(seed_scratch, out, passing_gate)

    result = _git(seed_scratch, env, "push", "origin", "docs/hooks-check")

    assert result.returncode != 0
    assert "pre-push: 1 commit(s) break the rules" in result.stderr
    assert seed_scratch.origin_rev("refs/heads/docs/hooks-check") is None


def test_invoke_commit_passes_the_hooks_without_running_the_gate_twice(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str], failing_gate: list[str]
) -> None:
    env = _install(seed_scratch, out, failing_gate)
    git = Git(seed_scratch.root, {**seed_scratch.env, **env})
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.stage("a.txt", seed_scratch.numbered_lines(250))

    commit_staged(git, out.reporter, "docs(hooks): add a", "fixture data", passing_gate)

    assert seed_scratch.clone_git("log", "-1", "--format=%B") == (
        "docs(hooks): add a\n\nLarge-change-reason: fixture data"
    )


def test_pre_push_hook_runs_the_full_gate(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str], failing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    seed_scratch.commit_file("a.txt", "a\n", "docs(hooks): add a")
    env = _install(seed_scratch, out, passing_gate)
    env["WORKFLOW_GATE_FULL"] = json.dumps(failing_gate)

    rejected = _git(seed_scratch, env, "push", "origin", "docs/hooks-check")
    env["WORKFLOW_GATE_FULL"] = json.dumps(passing_gate)
    accepted = _git(seed_scratch, env, "push", "origin", "docs/hooks-check")

    assert rejected.returncode != 0
    assert "failed with exit status 3" in rejected.stderr
    assert accepted.returncode == 0, accepted.stderr
    assert seed_scratch.origin_rev("refs/heads/docs/hooks-check") == seed_scratch.rev("HEAD")
