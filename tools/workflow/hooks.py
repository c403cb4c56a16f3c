"""Git hooks in ``.githooks/`` and the checks they run (the same functions as the tasks).

- ``commit-msg FILE``: Conventional Commit message; size budget unless the message has a
  ``Large-change-reason:`` trailer.
- ``pre-commit``: size budget (unless ``invoke commit --allow-large``) and the incremental gate;
  a change that only rewrites ledger headings (the bookkeeping commits of start-task, pr and
  ship) has nothing for the gate to check and passes at once.
- ``pre-push``: every pushed commit (message, size, no merges) and the full gate.

Run as ``python -m tools.workflow.hooks <hook> [args]`` from the repository root.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from tools.workflow.cli import ExitCode, Reporter, WorkflowError, run_reported
from tools.workflow.commit_rules import (
    LINE_BUDGET,
    TRAILER_KEY,
    check_message,
    describe_size,
    measure,
    staged_changes,
    strip_comments,
    trailer_value,
)
from tools.workflow.ledger.store import staged_bookkeeping
from tools.workflow.quality_gate import LARGE_REASON_VARIABLE, gate_command, run_gate, take_pass
from tools.workflow.repo.git import ZERO_SHA, Git
from tools.workflow.versioning import CommitVerdict, check_commit, read_commit_types

HOOKS_DIRECTORY = ".githooks"
HOOK_NAMES = ("commit-msg", "pre-commit", "pre-push")


def install_hooks(git: Git, reporter: Reporter) -> None:
    """Point ``core.hooksPath`` at the tracked ``.githooks/`` directory."""
    directory = git.root / HOOKS_DIRECTORY
    missing = [name for name in HOOK_NAMES if not (directory / name).is_file()]
    if missing:
        raise WorkflowError(
            ExitCode.USAGE, f"{directory}: missing hook script(s): {', '.join(missing)}"
        )
    for name in HOOK_NAMES:
        path = directory / name
        mode = path.stat().st_mode
        if mode & 0o111 != 0o111:
            path.chmod(mode | 0o111)
            reporter.say(f"Made {HOOKS_DIRECTORY}/{name} executable.")
    git.run("config", "core.hooksPath", HOOKS_DIRECTORY)
    reporter.say(f"core.hooksPath = {HOOKS_DIRECTORY} ({', '.join(HOOK_NAMES)} are active).")


def commit_msg_hook(git: Git, message_file: Path) -> None:
    comment_char = git.config("core.commentChar") or "#"
    raw = message_file.read_bytes().decode("utf-8", "surrogateescape")
    message = strip_comments(raw, comment_char)
    problems = check_message(message, read_commit_types(git.root))
    size = measure(staged_changes(git))
    if size.over_budget() and trailer_value(message, TRAILER_KEY) is None:
        problems.append(
            f"the change touches {size.total} lines, over the {LINE_BUDGET}-line budget, and "
            f"the message has no '{TRAILER_KEY}:' trailer"
        )
    if problems:
        raise WorkflowError(ExitCode.CHECK_FAILED, f"commit-msg: {problems[0]}", problems[1:])


def pre_commit_hook(git: Git, reporter: Reporter, environ: Mapping[str, str]) -> None:
    if staged_bookkeeping(git):
        reporter.say("pre-commit: only ledger headings change (bookkeeping); no gate to run.")
        return
    size = measure(staged_changes(git))
    if size.over_budget() and not environ.get(LARGE_REASON_VARIABLE, "").strip():
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"pre-commit: staged change touches {size.total} lines, over the {LINE_BUDGET}-line "
            "budget (split it, or use invoke commit --allow-large REASON)",
            describe_size(size),
        )
    if take_pass(git, "fast", git.write_tree()):
        reporter.say("pre-commit: invoke commit's gate already passed on this exact index.")
        return
    run_gate("fast", gate_command("fast", environ), git, reporter, judged=None)


def _pushed_commits(git: Git, local_sha: str, remote_sha: str) -> list[str]:
    if remote_sha != ZERO_SHA and git.rev(remote_sha) is not None:
        return git.commits(remote_sha, local_sha)
    listed = git.output("rev-list", "--reverse", local_sha, "--not", "--remotes", "--")
    return listed.split()


def pre_push_hook(
    git: Git, reporter: Reporter, environ: Mapping[str, str], updates: str
) -> list[CommitVerdict]:
    """Check what ``git push`` sends (stdin lines: local-ref local-sha remote-ref remote-sha)."""
    allowed_types = read_commit_types(git.root)
    verdicts: list[CommitVerdict] = []
    judged: dict[str, str] = {}  # each pushed tree, and a pushed commit that holds it
    for line in updates.splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[1] == ZERO_SHA:
            continue
        _, local_sha, _, remote_sha = parts
        verdicts.extend(
            check_commit(git, sha, allowed_types)
            for sha in _pushed_commits(git, local_sha, remote_sha)
        )
        judged.setdefault(git.output("rev-parse", f"{local_sha}^{{tree}}"), local_sha)
    failed = [verdict for verdict in verdicts if not verdict.ok]
    if failed:
        first = failed[0]
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"pre-push: {len(failed)} commit(s) break the rules; first {first.sha[:10]} "
            f"'{first.subject}': {first.problems[0]}",
            [f"{verdict.sha[:10]} {problem}" for verdict in failed for problem in verdict.problems],
        )
    for tree, commit in judged.items():
        if not take_pass(git, "full", tree):
            run_gate("full", gate_command("full", environ), git, reporter, commit)
    return verdicts


def main(argv: list[str]) -> int:
    reporter = Reporter(sys.stdout, sys.stderr)
    if not argv or argv[0] not in HOOK_NAMES:
        reporter.error(f"usage: python -m tools.workflow.hooks {{{'|'.join(HOOK_NAMES)}}} [args]")
        return int(ExitCode.USAGE)
    name, arguments = argv[0], argv[1:]

    def action() -> None:
        git = Git.discover(Path.cwd())
        if name == "commit-msg":
            if len(arguments) != 1:
                raise WorkflowError(ExitCode.USAGE, "commit-msg: expected the message file path")
            commit_msg_hook(git, Path(arguments[0]))
        elif name == "pre-commit":
            pre_commit_hook(git, reporter, git.env)
        else:
            pre_push_hook(git, reporter, git.env, sys.stdin.read())

    return run_reported(action, reporter)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
