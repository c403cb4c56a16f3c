"""A model-based test of the workflow: two clones, a bare origin that looks like GitHub, and a
teammate, doing the workflow's tasks in any order a Hypothesis state machine picks.

After every step three invariants must hold:

- nothing is lost: every commit reachable from a branch of clone A, clone B or origin before
  the step is still reachable from one of them after it, or was only rewritten by sync's rebase
  (a branch reaches a commit with the same change, or the same message and author date). The
  teammate's own repository does not count: what it pushed exists only on origin;
- origin's main only moves forward by fast-forward;
- the ledger at every branch tip differs from the original only in entry headings' status and
  recorded PR ids.

The tasks run in-process (fast); the quality gate passes. ``WORKFLOW_MODEL_EXAMPLES`` raises the
number of examples for a long local run (docs/workflow.md).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.fixtures.workflow.model import (
    CloneState,
    ModelRepositories,
    build_model_template,
    git_in,
    ledger_differs_only_in_headings,
    working,
)
from tests.fixtures.workflow.scratch import LEDGER
from tools.workflow.cli import Reporter, WorkflowError
from tools.workflow.commands.commit import commit_staged
from tools.workflow.commands.pr import open_pull_request
from tools.workflow.commands.resume import abort_operation, continue_operation
from tools.workflow.commands.ship import ship
from tools.workflow.commands.start_task import start_task
from tools.workflow.commands.sync import sync_branch
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.integration

ENTRIES = {"feat/model-one": "Model the first task", "docs/model-two": "Model the second task"}
"""Each entry's branch, and the title words start-task finds it by (its id changes with a PR)."""
CLONES = ("a", "b")
GATE = ["true"]
TODAY = datetime.date(2025, 12, 12)
DEFAULT_EXAMPLES = 20
STEPS = 25


def quietly(command: list[str], repository: Path, env: dict[str, str]) -> None:
    """A plain git command whose failure (a rejected push) is part of the model."""
    subprocess.run(command, cwd=repository, env=env, capture_output=True, check=False)


class WorkflowModel(RuleBasedStateMachine):
    """One example: a fresh copy of the repositories, and what the invariants last saw."""

    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.repos = ModelRepositories(self.template)
        self.reachable = self.repos.reachable_commits()
        self.origin_main = self.repos.origin_rev("main")
        self.teammate_commits = 0
        self.clones = {clone: self.repos.state(clone) for clone in CLONES}
        self.edits = 0

    def teardown(self) -> None:
        self.repos.remove()

    def attempt(self, action: Callable[[Git, Reporter], object], clone: str) -> None:
        """Run a task; its refusals and stops are expected outcomes, anything else a bug."""
        with contextlib.suppress(WorkflowError):
            action(self.repos.git(clone), Reporter(io.StringIO(), io.StringIO()))

    def eligible(self, wanted: Callable[[CloneState], bool]) -> list[str]:
        return [clone for clone in CLONES if wanted(self.clones[clone])]

    def on_a_feature_branch(self) -> list[str]:
        return self.eligible(lambda state: state.branch not in (None, "main"))

    # -- rules ---------------------------------------------------------------------------

    @initialize(progress=st.sampled_from(["nothing", "committed", "pushed"]))
    def begin(self, progress: str) -> None:
        """Most examples begin with clone A's first task started and one commit made (and
        pushed), so that the steps go further than the first commit more often."""
        if progress == "nothing":
            return
        root, env = self.repos.roots["a"], self.repos.env
        self.attempt(lambda git, out: start_task(git, out, ENTRIES["feat/model-one"]), "a")
        (root / "shared.txt").write_text("a begins\n", encoding="utf-8")
        git_in(root, env, "add", "shared.txt")
        message = "feat(model): begin the shared file"
        self.attempt(lambda git, out: commit_staged(git, out, message, None, GATE), "a")
        if progress == "pushed":
            git_in(root, env, "push", "--quiet", "origin", "feat/model-one")

    @rule(clone=st.sampled_from(CLONES), branch=st.sampled_from(sorted(ENTRIES)))
    def start(self, clone: str, branch: str) -> None:
        self.attempt(lambda git, out: start_task(git, out, ENTRIES[branch]), clone)

    @precondition(lambda self: self.eligible(working))
    @rule(
        data=st.data(),
        name=st.sampled_from(["shared.txt", "own.txt"]),
        version=st.integers(1, 3),
    )
    def edit_and_commit(self, data: st.DataObject, name: str, version: int) -> None:
        clone = data.draw(st.sampled_from(self.eligible(working)), label="clone")
        root, env = self.repos.roots[clone], self.repos.env
        file = f"{clone}-{name}" if name == "own.txt" else name
        text = f"{clone} {self.clones[clone].branch} v{version}\n"
        (root / file).write_text(text, encoding="utf-8")
        git_in(root, env, "add", "--", file)
        self.edits += 1
        message = f"feat(model): change {file.removesuffix('.txt')} to v{version} ({self.edits})"
        self.attempt(lambda git, out: commit_staged(git, out, message, None, GATE), clone)
        if git_in(root, env, "status", "--porcelain", "--", file).strip():
            git_in(root, env, "reset", "--quiet", "--", file)
            git_in(root, env, "checkout", "--quiet", "HEAD", "--", file)

    @rule(data=st.data())
    def teammate_pushes(self, data: st.DataObject) -> None:
        """Someone outside the two clones adds a commit to a branch origin has (or, when it
        has none, starts one of the entries' branches)."""
        teammate, env = self.repos.teammate, self.repos.env
        pushed = [branch for branch in sorted(ENTRIES) if self.repos.origin_rev(branch)]
        branch = data.draw(st.sampled_from(pushed or sorted(ENTRIES)), label="branch")
        base = branch if branch in pushed else "main"
        fetch = ["git", "fetch", "--quiet", "origin", f"+{base}:refs/remotes/origin/{base}"]
        if subprocess.run(fetch, cwd=teammate, env=env, capture_output=True).returncode:
            return
        git_in(teammate, env, "switch", "--quiet", "--detach", f"origin/{base}")
        self.teammate_commits += 1
        text = f"teammate's commit {self.teammate_commits} on {branch}\n"
        (teammate / "teammate.txt").write_text(text, encoding="utf-8")
        git_in(teammate, env, "add", "teammate.txt")
        message = f"feat(model): add their part {self.teammate_commits}"
        git_in(teammate, env, "commit", "--quiet", "-m", message)
        quietly(["git", "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}"], teammate, env)

    @precondition(lambda self: self.on_a_feature_branch())
    @rule(data=st.data(), how=st.sampled_from(["pr", "git push"]))
    def push(self, data: st.DataObject, how: str) -> None:
        """Push the clone's branch with ``invoke pr`` (gh stand-in) or a plain ``git push``."""
        clone = data.draw(st.sampled_from(self.on_a_feature_branch()), label="clone")
        if how == "pr":
            gh = self.repos.gh
            self.attempt(lambda git, out: open_pull_request(git, out, GATE, gh, TODAY), clone)
        else:
            branch = self.clones[clone].branch
            command = ["git", "push", "--quiet", "origin", f"{branch}:{branch}"]
            quietly(command, self.repos.roots[clone], self.repos.env)

    @precondition(lambda self: self.on_a_feature_branch())
    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        self.attempt(sync_branch, data.draw(st.sampled_from(self.on_a_feature_branch())))

    @precondition(lambda self: self.on_a_feature_branch())
    @rule(data=st.data(), origin_rejects=st.booleans())
    def ship(self, data: st.DataObject, origin_rejects: bool) -> None:
        """Ship; sometimes origin rejects every push during this step."""
        clone = data.draw(st.sampled_from(self.on_a_feature_branch()), label="clone")
        self.reject_pushes(origin_rejects)
        self.attempt(lambda git, out: ship(git, out, self.repos.gh), clone)
        self.reject_pushes(False)

    @precondition(lambda self: self.eligible(lambda state: state.pending or state.rebasing))
    @rule(data=st.data(), how=st.sampled_from(["continue", "abort"]))
    def resume(self, data: st.DataObject, how: str) -> None:
        """``invoke continue`` (resolving a stopped rebase first: main's ledger, the clone's
        own text elsewhere) or ``invoke abort``."""
        stopped = self.eligible(lambda state: state.pending or state.rebasing)
        clone = data.draw(st.sampled_from(stopped), label="clone")
        if how == "abort":
            self.attempt(abort_operation, clone)
            return
        root, env = self.repos.roots[clone], self.repos.env
        for name in git_in(root, env, "diff", "--name-only", "--diff-filter=U").split():
            if name == LEDGER.as_posix():
                git_in(root, env, "checkout", "--ours", "--", name)
            else:
                (root / name).write_text(f"resolved by {clone}\n", encoding="utf-8")
            git_in(root, env, "add", "--", name)
        self.attempt(continue_operation, clone)

    def reject_pushes(self, rejecting: bool) -> None:
        """Origin's pre-receive hook: exits 1 while rejecting, absent otherwise."""
        hook = self.repos.origin / "hooks" / "pre-receive"
        if rejecting:
            hook.parent.mkdir(exist_ok=True)
            hook.write_text("#!/bin/sh\necho 'origin is read-only today' >&2\nexit 1\n")
            hook.chmod(0o755)
        else:
            hook.unlink(missing_ok=True)

    # -- invariants (they also refresh what the next step may choose from) ---------------

    @invariant()
    def nothing_is_lost(self) -> None:
        self.clones = {clone: self.repos.state(clone) for clone in CLONES}
        now = self.repos.reachable_commits()
        lost = self.reachable - now
        lost -= self.repos.rewritten(lost)
        assert not lost, f"commits no branch reaches any more: {sorted(lost)}"
        self.reachable = now

    @invariant()
    def origin_main_only_fast_forwards(self) -> None:
        now = self.repos.origin_rev("main")
        if now != self.origin_main:
            ancestry = ["merge-base", "--is-ancestor", str(self.origin_main), str(now)]
            moved = subprocess.run(
                ["git", "--git-dir", str(self.repos.origin), *ancestry],
                env=self.repos.env,
                check=False,
            )
            assert moved.returncode == 0, f"origin's main moved {self.origin_main} -> {now}"
        self.origin_main = now

    @invariant()
    def the_ledger_changes_only_in_headings(self) -> None:
        env = self.repos.env
        for repository in self.repos.counted():
            refs = git_in(repository, env, "for-each-ref", "--format=%(refname)", "refs/heads")
            for ref in refs.split():
                show = ["git", "show", f"{ref}:{LEDGER.as_posix()}"]
                shown = subprocess.run(show, cwd=repository, env=env, capture_output=True)
                assert ledger_differs_only_in_headings(self.repos.original_ledger, shown.stdout), (
                    f"{repository.name} {ref}: the ledger changed beyond its headings"
                )


def model_settings() -> settings:
    examples = int(os.environ.get("WORKFLOW_MODEL_EXAMPLES", DEFAULT_EXAMPLES))
    return settings(settings.default, max_examples=examples, stateful_step_count=STEPS)


def test_the_workflow_keeps_its_invariants(tmp_path_factory: pytest.TempPathFactory) -> None:
    template = tmp_path_factory.mktemp("model-template")
    build_model_template(template)
    WorkflowModel.template = template

    run_state_machine_as_test(WorkflowModel, settings=model_settings())
