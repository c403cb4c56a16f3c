"""``invoke commit``: check message and size, run the quality gate, then ``git commit``.

On any failure nothing is committed and the index is left exactly as it was.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from tools.process import failure_line
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commit_rules import (
    LINE_BUDGET,
    TRAILER_KEY,
    check_message,
    describe_size,
    measure,
    staged_changes,
)
from tools.workflow.ledger.store import entry_for_branch, load_ledger
from tools.workflow.quality_gate import LARGE_REASON_VARIABLE, GateKind, record_pass, run_gate
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import (
    require_attached_branch,
    require_feature_branch,
    require_no_operation,
    require_no_pending_operation,
)
from tools.workflow.versioning import read_commit_types


def next_planned_message(git: Git, branch: str, main_branch: str) -> str | None:
    """The first planned commit of the branch's entry that has no commit on the branch yet."""
    loaded = load_ledger(git.root)
    entry = entry_for_branch(git, loaded.ledger, branch)
    if entry is None:
        return None
    done = set(git.output("log", "--format=%s", f"{main_branch}..HEAD", "--").splitlines())
    for planned in entry.planned_commits:
        if planned.message not in done:
            return planned.message
    return None


def _with_trailer(git: Git, message: str, reason: str) -> str:
    """``message`` with a ``Large-change-reason: <reason>`` trailer, placed the way git does."""
    trailer = f"{TRAILER_KEY}: {reason}"
    return git.run("interpret-trailers", "--trailer", trailer, input_text=message).stdout


def commit_staged(
    git: Git,
    reporter: Reporter,
    message: str | None,
    allow_large: str | None,
    gate: Sequence[str],
    confirm: Callable[[str], bool] | None = None,
    main_branch: str = "main",
    kind: GateKind = "fast",
) -> str:
    """Commit the staged changes once the ``kind`` gate passed on them; returns the commit."""
    require_no_pending_operation(git, "commit")
    require_no_operation(git, "commit")
    branch = require_attached_branch(git, "commit")
    require_feature_branch(branch, main_branch, "commit")
    allowed_types = read_commit_types(git.root)
    if message is None:
        planned = next_planned_message(git, branch, main_branch)
        if planned is None:
            raise WorkflowError(
                ExitCode.USAGE,
                f"no message given and the ledger plans no further commit for '{branch}' "
                "(pass -m 'type(scope): subject')",
            )
        if confirm is None or not confirm(planned):
            raise WorkflowError(
                ExitCode.USAGE,
                f"next planned message: '{planned}'; to use it run: "
                f"invoke commit -m {shlex.quote(planned)}",
            )
        message = planned
    problems = check_message(message, allowed_types)
    if problems:
        raise WorkflowError(
            ExitCode.CHECK_FAILED, f"commit message rejected: {problems[0]}", problems[1:]
        )
    reason = None if allow_large is None else " ".join(allow_large.split())
    if reason is not None and not reason:
        raise WorkflowError(
            ExitCode.USAGE, "--allow-large needs a reason, e.g. --allow-large 'vendored schema'"
        )
    size = measure(staged_changes(git))
    if not size.counted and not size.not_counted:
        raise WorkflowError(
            ExitCode.USAGE, "nothing is staged (stage a small slice first: git add -p)"
        )
    if size.over_budget() and reason is None:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"staged change touches {size.total} lines, over the {LINE_BUDGET}-line budget "
            "(split it, or pass --allow-large REASON)",
            describe_size(size),
        )
    final_message = message.strip() + "\n"
    if reason is not None:
        final_message = _with_trailer(git, final_message, reason)
    index_before = git.write_tree()
    committed = False
    try:
        run_gate(kind, gate, git, reporter, judged=None)
        if git.write_tree() != index_before:
            raise WorkflowError(
                ExitCode.CHECK_FAILED,
                "the quality gate changed the staged content; review the changes and stage again",
            )
        record_pass(git, "fast", index_before)
        extra = {} if reason is None else {LARGE_REASON_VARIABLE: reason}
        result = git.run(
            "commit",
            "--quiet",
            "--cleanup=whitespace",
            "-F",
            "-",
            input_text=final_message,
            extra_env=extra,
            check=False,
        )
        if not result.ok:
            raise WorkflowError(ExitCode.CHECK_FAILED, f"git commit failed: {failure_line(result)}")
        committed = True
    finally:
        if not committed and git.write_tree() != index_before:
            git.run("read-tree", index_before)
    sha = git.output("rev-parse", "HEAD")
    reporter.say(f"Committed {sha[:10]} ({size.total} touched lines): {message.splitlines()[0]}")
    return sha
