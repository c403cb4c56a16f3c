"""The tracked .githooks/ scripts, installed with invoke hooks, running inside real git."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.commit import commit_staged
from tools.workflow.hooks import commit_msg_hook, install_hooks, pre_commit_hook, pre_push_hook
from tools.workflow.hooks import main as hooks_main
from tools.workflow.quality_gate import record_pass
from tools.workflow.repo.git import ZERO_SHA, Git

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

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


def test_install_names_missing_hook_scripts_and_configures_nothing(
    seed_scratch: Scratch, out: Captured
) -> None:
    (seed_scratch.root / ".githooks").mkdir()
    shutil.copyfile(
        PROJECT_ROOT / ".githooks" / "commit-msg", seed_scratch.root / ".githooks" / "commit-msg"
    )

    with pytest.raises(WorkflowError) as raised:
        install_hooks(seed_scratch.git, out.reporter)

    assert raised.value.code == ExitCode.USAGE
    assert raised.value.message == (
        f"{seed_scratch.root / '.githooks'}: missing hook script(s): pre-commit, pre-push"
    )
    assert seed_scratch.git.config("core.hooksPath") is None


def test_install_makes_the_hook_scripts_executable(seed_scratch: Scratch, out: Captured) -> None:
    shutil.copytree(PROJECT_ROOT / ".githooks", seed_scratch.root / ".githooks")
    script = seed_scratch.root / ".githooks" / "pre-push"
    script.chmod(0o644)

    install_hooks(seed_scratch.git, out.reporter)

    assert script.stat().st_mode & 0o777 == 0o755
    assert "Made .githooks/pre-push executable." in out.out
    assert "pre-commit executable" not in out.out


def test_commit_msg_hook_wants_a_reason_for_an_oversized_change(seed_scratch: Scratch) -> None:
    seed_scratch.stage("a.txt", seed_scratch.numbered_lines(250))
    message = seed_scratch.base / "MSG"
    message.write_text("docs(hooks): add a\n# a comment line\n", encoding="utf-8")

    with pytest.raises(WorkflowError) as raised:
        commit_msg_hook(seed_scratch.git, message)

    assert raised.value.message == (
        "commit-msg: the change touches 250 lines, over the 200-line budget, and the message"
        " has no 'Large-change-reason:' trailer"
    )
    message.write_text("docs(hooks): add a\n\nLarge-change-reason: fixture data\n", "utf-8")
    commit_msg_hook(seed_scratch.git, message)


def test_pre_commit_hook_skips_the_gate_only_once_on_the_index_invoke_commit_passed(
    seed_scratch: Scratch, out: Captured, failing_gate: list[str]
) -> None:
    seed_scratch.stage("a.txt", "a\n")
    environ = {"WORKFLOW_GATE_FAST": json.dumps(failing_gate)}
    record_pass(seed_scratch.git, "fast", seed_scratch.index_tree())

    pre_commit_hook(seed_scratch.git, out.reporter, environ)

    assert out.out == "pre-commit: invoke commit's gate already passed on this exact index.\n"
    with pytest.raises(WorkflowError, match="failed with exit status 3"):
        pre_commit_hook(seed_scratch.git, out.reporter, environ)  # the record is used up
    record_pass(seed_scratch.git, "fast", seed_scratch.index_tree())
    seed_scratch.stage("b.txt", "b\n")
    with pytest.raises(WorkflowError, match="failed with exit status 3"):
        pre_commit_hook(seed_scratch.git, out.reporter, environ)


def test_the_hooks_trust_no_environment_variable_that_says_the_gate_passed(
    seed_scratch: Scratch, out: Captured, failing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    env = _install(seed_scratch, out, failing_gate)
    seed_scratch.stage("a.txt", "a\n")
    env["WORKFLOW_GATE_PASSED"] = seed_scratch.index_tree()

    committed = _git(seed_scratch, env, "commit", "-q", "-m", "docs(hooks): add a")

    assert committed.returncode != 0
    assert "failed with exit status 3" in committed.stderr


def test_pre_push_hook_ignores_deletions_and_trusts_a_gate_invoke_pr_passed_on_the_tree(
    seed_scratch: Scratch, out: Captured, failing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    head = seed_scratch.commit_file("a.txt", "a\n", "docs(hooks): add a")
    main_sha = seed_scratch.rev("main")
    assert main_sha is not None
    environ = {"WORKFLOW_GATE_FULL": json.dumps(failing_gate)}
    record_pass(seed_scratch.git, "full", seed_scratch.clone_git("rev-parse", "HEAD^{tree}"))
    updates = (
        f"(delete) {ZERO_SHA} refs/heads/old {main_sha}\n"
        "garbage\n"
        f"refs/heads/docs/hooks-check {head} refs/heads/docs/hooks-check {ZERO_SHA}\n"
        f"refs/heads/docs/hooks-check {head} refs/heads/known {main_sha}\n"
    )

    verdicts = pre_push_hook(seed_scratch.git, out.reporter, environ, updates)

    assert [(verdict.sha, verdict.ok) for verdict in verdicts] == [(head, True), (head, True)]
    assert "Quality gate" not in out.out


def test_the_full_gate_judges_the_pushed_commit_not_the_work_tree(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    head = seed_scratch.commit_file("a.txt", "pushed\n", "docs(hooks): add a")
    (seed_scratch.root / "a.txt").write_text("work tree\n", encoding="utf-8")
    (seed_scratch.root / "untracked.txt").write_text("u\n", encoding="utf-8")
    reads = "import pathlib; print(sorted(p.name for p in pathlib.Path().iterdir()))\n" + (
        "print(open('a.txt').read())"
    )
    environ = {"WORKFLOW_GATE_FULL": json.dumps([sys.executable, "-c", reads])}
    updates = f"refs/heads/docs/hooks-check {head} refs/heads/docs/hooks-check {ZERO_SHA}\n"

    pre_push_hook(seed_scratch.git, out.reporter, environ, updates)

    assert f"Quality gate: judging {head[:10]} in " in out.out
    assert "pushed\n" in out.out
    assert "work tree" not in out.out
    assert "untracked.txt" not in out.out
    assert (seed_scratch.root / "a.txt").read_text(encoding="utf-8") == "work tree\n"


def test_the_hook_command_line_refuses_unknown_hooks_and_missing_arguments(
    seed_scratch: Scratch, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hooks_main([]) == ExitCode.USAGE
    assert hooks_main(["post-merge"]) == ExitCode.USAGE
    assert (
        capsys.readouterr().err.count(
            "usage: python -m tools.workflow.hooks {commit-msg|pre-commit|pre-push} [args]"
        )
        == 2
    )
    monkeypatch.chdir(seed_scratch.root)
    assert hooks_main(["commit-msg"]) == ExitCode.USAGE
    assert "commit-msg: expected the message file path" in capsys.readouterr().err


def test_commit_msg_hook_states_the_first_problem_and_lists_the_others(
    seed_scratch: Scratch,
) -> None:
    seed_scratch.stage("a.txt", seed_scratch.numbered_lines(250))
    message = seed_scratch.base / "MSG"
    message.write_text("docs(hooks): added a\n", encoding="utf-8")

    with pytest.raises(WorkflowError) as raised:
        commit_msg_hook(seed_scratch.git, message)

    assert raised.value.code == ExitCode.CHECK_FAILED
    assert raised.value.message == (
        "commit-msg: start the subject with an imperative verb ('fix', 'add'), not 'added'"
    )
    assert raised.value.details == (
        "the change touches 250 lines, over the 200-line budget, and the message has no"
        " 'Large-change-reason:' trailer",
    )


def test_pre_push_hook_names_the_first_bad_commit_by_its_short_sha_and_first_problem(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    first = seed_scratch.commit_file("a.txt", "a\n", "docs(hooks): added a.")
    second = seed_scratch.commit_file("b.txt", "b\n", "Fixed b")
    updates = f"refs/heads/docs/hooks-check {second} refs/heads/docs/hooks-check {ZERO_SHA}\n"
    environ = {"WORKFLOW_GATE_FULL": json.dumps(passing_gate)}

    with pytest.raises(WorkflowError) as raised:
        pre_push_hook(seed_scratch.git, out.reporter, environ, updates)

    assert raised.value.message == (
        f"pre-push: 2 commit(s) break the rules; first {first[:10]} 'docs(hooks): added a.': "
        "do not end the subject with a period"
    )
    assert raised.value.details == (
        f"{first[:10]} do not end the subject with a period",
        f"{first[:10]} start the subject with an imperative verb ('fix', 'add'), not 'added'",
        f"{second[:10]} header 'Fixed b' is not a Conventional Commit: expected"
        " '<type>(<scope>)!: <subject>' with type one of build, chore, ci, docs, feat, fix, perf,"
        " refactor, revert, style, test",
    )


def test_pre_push_hook_checks_the_unpushed_commits_when_the_remote_tip_is_unknown_here(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    bad = seed_scratch.commit_file("a.txt", "a\n", "Fixed a")
    unknown = "1" * 40  # someone else pushed a commit this clone has never fetched
    updates = f"refs/heads/docs/hooks-check {bad} refs/heads/docs/hooks-check {unknown}\n"
    environ = {"WORKFLOW_GATE_FULL": json.dumps(passing_gate)}

    with pytest.raises(WorkflowError) as raised:
        pre_push_hook(seed_scratch.git, out.reporter, environ, updates)

    assert raised.value.code == ExitCode.CHECK_FAILED
    assert raised.value.message.startswith(
        f"pre-push: 1 commit(s) break the rules; first {bad[:10]} 'Fixed a': "
    )


def test_pre_push_hook_checks_only_the_commits_after_a_remote_tip_this_clone_has(
    seed_scratch: Scratch, out: Captured, failing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hooks-check")
    pushed_before = seed_scratch.commit_file("a.txt", "a\n", "Fixed a")
    head = seed_scratch.commit_file("b.txt", "b\n", "docs(hooks): add b")
    record_pass(seed_scratch.git, "full", seed_scratch.clone_git("rev-parse", "HEAD^{tree}"))
    updates = f"refs/heads/docs/hooks-check {head} refs/heads/docs/hooks-check {pushed_before}\n"
    environ = {"WORKFLOW_GATE_FULL": json.dumps(failing_gate)}

    verdicts = pre_push_hook(seed_scratch.git, out.reporter, environ, updates)

    assert [(verdict.sha, verdict.ok) for verdict in verdicts] == [(head, True)]
