"""``invoke commit`` and the hooks judge a commit the same way, show the real cause of a
failure, and never suggest a command that the shell would misread (issue 11, items 4-6 and
"Also seen").

Every test drives the real ``invoke``, git and the project's hooks as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.regression

PASSING_GATE = [sys.executable, "-c", "pass"]
GATE = {
    "WORKFLOW_GATE_FULL": json.dumps(PASSING_GATE),
    "WORKFLOW_GATE_FAST": json.dumps(PASSING_GATE),
}
STRAY_CR = "the message holds a carriage return (\\r) that ends no line; a line ends at a newline"


def test_a_carriage_return_in_a_message_is_judged_alike_by_commit_hooks_and_check_range(
    regression_scratch: Scratch,
) -> None:
    """What broke: ``invoke commit -m $'feat(qa): add x\\rFixed stuff'`` committed, while
    ``invoke check-range`` and the pre-push hook (which read git's output with universal
    newlines) rejected the same commit for a missing blank line."""
    scratch = regression_scratch
    message = "feat(qa): add x\rFixed stuff"
    scratch.clone_git("switch", "--quiet", "-c", "feat/qa-checks")
    scratch.stage("qa.txt", "checks\n")
    before = scratch.rev("HEAD")

    committed = scratch.invoke("commit", "-m", message, extra_env=GATE)
    if scratch.rev("HEAD") == before:
        scratch.clone_git("commit", "--quiet", "--cleanup=verbatim", "-m", message)
    checked = scratch.invoke("check-range")
    env = scratch.use_project_hooks(PASSING_GATE)
    pushed = scratch.run_git(env, "push", "--quiet", "origin", "feat/qa-checks")
    scratch.stage("more.txt", "more\n")
    hooked = scratch.run_git(env, "commit", "--quiet", "-m", message)

    assert committed.returncode == 1, f"check-range said: {checked.stdout}"
    assert committed.stderr == f"error: commit message rejected: {STRAY_CR}\n"
    assert checked.returncode == 1
    assert f"       - {STRAY_CR}\n" in checked.stdout
    assert pushed.returncode == 1
    assert f"': {STRAY_CR}" in pushed.stderr
    assert hooked.returncode == 1
    assert f"error: commit-msg: {STRAY_CR}" in hooked.stderr


def test_a_failing_commit_names_the_signing_error_not_the_hook_chatter(
    regression_scratch: Scratch,
) -> None:
    """What broke: with the hooks installed and commit signing failing, invoke commit reported
    the pre-commit hook's "the quality gate already passed on this exact index" instead of
    git's signing error."""
    scratch = regression_scratch
    scratch.clone_git("switch", "--quiet", "-c", "feat/qa-checks")
    env = scratch.use_project_hooks(PASSING_GATE)
    gpg = scratch.base / "gpg-that-fails"
    gpg.write_text("#!/bin/sh\necho 'gpg: signing failed: No secret key' >&2\nexit 2\n")
    gpg.chmod(0o755)
    scratch.clone_git("config", "commit.gpgSign", "true")
    scratch.clone_git("config", "gpg.program", str(gpg))
    scratch.stage("qa.txt", "checks\n")
    head = scratch.rev("HEAD")

    signing = {"GIT_CONFIG_COUNT": "1"}  # drop the scratch setup's commit.gpgSign=false

    result = scratch.invoke(
        "commit", "-m", "feat(qa): add the checks", extra_env={**GATE, **env, **signing}
    )

    assert scratch.rev("HEAD") == head
    assert result.returncode == 1
    assert result.stderr == "error: git commit failed: error: gpg failed to sign the data\n"


def test_the_planned_message_suggestion_is_shell_quoted(regression_scratch: Scratch) -> None:
    """What broke: the suggested ``invoke commit -m '<planned message>'`` was not quoted for the
    shell; with an apostrophe and ``$(touch pwned)`` in the ledger text, pasting it ran
    ``touch pwned``."""
    scratch = regression_scratch
    planned = "docs(notes): don't run $(touch pwned), it's a trap"
    scratch.clone_git("switch", "--quiet", "-c", "docs/notes-quoting")
    scratch.stage("notes.md", "notes\n")

    result = scratch.invoke("commit", extra_env=GATE)
    suggestion = result.stderr.split("to use it run: ", 1)[1].rstrip("\n")
    pasted = subprocess.run(
        ["sh", "-c", f'invoke() {{ printf "%s\\n" "$@"; }}; {suggestion}'],
        cwd=scratch.base,
        capture_output=True,
        text=True,
        check=False,
    )

    assert not (scratch.base / "pwned").exists()
    assert pasted.stdout == f"commit\n-m\n{planned}\n"
    assert result.returncode == 2


def test_a_lock_file_below_the_top_level_counts_toward_the_budget(
    regression_scratch: Scratch,
) -> None:
    """What broke: every file named uv.lock, at any depth, was exempt from the 200-line budget
    (a 1,000-line pkg/x/uv.lock counted 0 and was committed)."""
    scratch = regression_scratch
    scratch.clone_git("switch", "--quiet", "-c", "feat/qa-checks")
    scratch.stage("pkg/x/uv.lock", scratch.numbered_lines(1000))
    head = scratch.rev("HEAD")

    nested = scratch.invoke("commit", "-m", "build(deps): lock the sub-package", extra_env=GATE)
    assert scratch.rev("HEAD") == head
    scratch.clone_git("rm", "--quiet", "--cached", "pkg/x/uv.lock")
    scratch.stage("uv.lock", scratch.numbered_lines(1000))
    top = scratch.invoke("commit", "-m", "build(deps): lock the project", extra_env=GATE)

    assert nested.returncode == 1
    assert nested.stderr.startswith("error: staged change touches 1000 lines, over the 200-line")
    assert top.returncode == 0, top.stderr
