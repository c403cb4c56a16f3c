"""invoke start-task against real repositories: selection, safety refusals, main update."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.start_task import start_task
from tools.workflow.repo.state import branch_task

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration


def test_shared_id_starts_the_unblocked_entry_from_the_updated_main(
    seed_scratch: Scratch, out: Captured
) -> None:
    newer_main = seed_scratch.upstream_commit("notes.txt", "later\n", "docs: add notes")
    assert seed_scratch.rev("main") != newer_main

    started = start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert started.branch == "docs/import-policy-pep420"
    assert started.created is True
    assert seed_scratch.git.current_branch() == "docs/import-policy-pep420"
    assert seed_scratch.rev("main") == newer_main
    assert seed_scratch.clone_git("rev-parse", "HEAD~1") == newer_main
    assert "set aside: Move packages to implicit namespaces" in out.out
    assert 'waits for "Make PEP 420 the import policy" (Open)' in out.out


def test_entry_is_marked_in_progress_in_one_ledger_commit(
    seed_scratch: Scratch, out: Captured
) -> None:
    before = seed_scratch.ledger_text()

    started = start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    after = seed_scratch.ledger_text()
    assert started.marked_in_progress is True
    old_line = "### Open · tv-2025-10-04:PR?? · Make PEP 420 the import policy"
    new_line = "### In progress · tv-2025-10-04:PR?? · Make PEP 420 the import policy"
    assert after == before.replace(old_line, new_line, 1)
    assert seed_scratch.clone_git("log", "-1", "--format=%s") == (
        "chore(ledger): start make pep 420 the import policy"
    )
    assert seed_scratch.clone_git("status", "--porcelain") == ""
    remembered = branch_task(seed_scratch.git, "docs/import-policy-pep420")
    assert remembered is not None
    assert remembered.title == "Make PEP 420 the import policy"


def test_date_prefix_resolves_to_the_only_startable_entry(
    seed_scratch: Scratch, out: Captured
) -> None:
    started = start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert started.title == "Build a regression suite"
    assert seed_scratch.git.current_branch() == "test/regression-suite"
    assert "set aside: Coverage plan towards full coverage" in out.out
    assert "set aside: Mutation testing trial" in out.out
    assert "set aside: Stabilise the coverage badge (line 134): Deferred" in out.out


def test_plan_is_printed_with_steps_commits_and_validation(
    seed_scratch: Scratch, out: Captured
) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert (
        "  1. Rewrite the import guide around namespace packages, with a short section" in out.out
    )
    assert (
        "  1. docs(imports): describe the namespace package policy  "
        "(.dev-guidelines/IMPORT_GUIDELINES.md)"
    ) in out.out
    assert "Validation:\n  make quality\n" in out.out


def test_rerun_switches_back_without_new_commits(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")
    head = seed_scratch.rev("HEAD")
    seed_scratch.clone_git("switch", "--quiet", "main")

    again = start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert again.created is False
    assert again.marked_in_progress is False
    assert seed_scratch.git.current_branch() == "docs/import-policy-pep420"
    assert seed_scratch.rev("HEAD") == head


def test_ambiguous_id_lists_candidates_and_the_pick_command(
    clean_scratch: Scratch, out: Captured
) -> None:
    with pytest.raises(WorkflowError) as caught:
        start_task(clean_scratch.git, out.reporter, "tv-2025-11")

    error = caught.value
    assert error.code == ExitCode.USAGE
    assert "'tv-2025-11' matches 3 entries and 2 of them can be started now" in error.message
    assert error.details[0].startswith("1. tv-2025-11-01:PR12 · In progress · Tidy the sampling")
    assert "[set aside: waits for" in error.details[1]
    assert error.details[-1] == "pick one: invoke start-task tv-2025-11 --pick <N>"
    assert clean_scratch.git.current_branch() == "main"


def test_pick_chooses_among_the_listed_candidates(clean_scratch: Scratch, out: Captured) -> None:
    started = start_task(clean_scratch.git, out.reporter, "tv-2025-11", pick=3)

    assert started.branch == "perf/tokenizer-benchmark"


def test_title_words_and_section_labels_select_entries(
    seed_scratch: Scratch, out: Captured
) -> None:
    started = start_task(seed_scratch.git, out.reporter, "Task 2")

    assert started.branch == "refactor/training-fold-loose-modules-their-packages"
    assert started.marked_in_progress is False
    assert "free-form section without a status" in out.out


def test_dirty_tree_is_refused_listing_the_files(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.write("README.md", "edited\n")
    seed_scratch.commit_file("notes/plan.txt", "one\n", "docs: add a plan")
    seed_scratch.stage("notes/plan.txt", "two\n")
    head = seed_scratch.rev("HEAD")

    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert caught.value.code == ExitCode.REFUSED
    assert "uncommitted changes in 2 tracked file(s)" in caught.value.message
    assert "notes/plan.txt" in caught.value.message
    assert "README.md" in caught.value.message
    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.git.current_branch() == "main"
    assert seed_scratch.clone_git("branch", "--list", "docs/*") == ""


def test_detached_head_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("switch", "--quiet", "--detach", "HEAD")

    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert caught.value.code == ExitCode.REFUSED
    assert "HEAD is detached" in caught.value.message


def test_rebase_in_progress_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.commit_file("story.txt", "mine\n", "docs: add my story")
    seed_scratch.upstream_commit("story.txt", "theirs\n", "docs: add their story")
    seed_scratch.clone_git("fetch", "--quiet", "origin")
    rebase = seed_scratch.git.run("rebase", "origin/main", check=False)
    assert not rebase.ok

    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert caught.value.code == ExitCode.REFUSED
    assert "a rebase is in progress" in caught.value.message


def test_offline_remote_continues_from_local_main(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("remote", "set-url", "origin", str(seed_scratch.base / "gone.git"))
    main = seed_scratch.rev("main")

    started = start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert started.created is True
    assert "could not fetch from 'origin'" in out.err
    assert "continuing from the local main" in out.err
    assert seed_scratch.clone_git("rev-parse", "HEAD~1") == main


def test_missing_remote_continues_from_local_main(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("remote", "remove", "origin")

    started = start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert started.branch == "test/regression-suite"
    assert "no remote 'origin': continuing from the local main" in out.err


def test_diverged_main_is_refused_without_changes(seed_scratch: Scratch, out: Captured) -> None:
    local = seed_scratch.commit_file("mine.txt", "local\n", "docs: add a local note")
    seed_scratch.upstream_commit("theirs.txt", "remote\n", "docs: add a remote note")

    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")

    assert caught.value.code == ExitCode.REFUSED
    assert "have diverged" in caught.value.message
    assert seed_scratch.rev("main") == local
    assert seed_scratch.git.current_branch() == "main"


def test_existing_remote_branch_is_tracked(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.raw(seed_scratch.upstream, "switch", "--quiet", "-c", "test/regression-suite")
    (seed_scratch.upstream / "suite.txt").write_text("started\n", encoding="utf-8")
    seed_scratch.raw(seed_scratch.upstream, "add", "suite.txt")
    seed_scratch.raw(seed_scratch.upstream, "commit", "--quiet", "-m", "test: start the suite")
    seed_scratch.raw(seed_scratch.upstream, "push", "--quiet", "origin", "test/regression-suite")

    started = start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert started.created is True
    assert "tracking origin/test/regression-suite" in out.out
    assert (seed_scratch.root / "suite.txt").read_text(encoding="utf-8") == "started\n"


def test_unknown_id_is_a_usage_error(seed_scratch: Scratch, out: Captured) -> None:
    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-1999-01-01")

    assert caught.value.code == ExitCode.USAGE
    assert "no ledger entry matches 'tv-1999-01-01'" in caught.value.message


def test_damaged_ledger_warns_but_still_works(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert "warning: .ldres/tv-tasks.md:144: leftover merge-conflict marker" in out.err


MINIMAL_ENTRY = """
### Open · tv-2025-12-01:PR?? · Write the minimal entry

- **Summary**: An entry with a branch and nothing else to show.
- **Git plan**:
  - Branch: `docs/minimal-entry`
"""


def test_entry_without_a_branch_is_a_usage_error(
    make_scratch: Callable[[str], Scratch], out: Captured
) -> None:
    scratch = make_scratch("damaged_ledger.md")

    with pytest.raises(WorkflowError) as caught:
        start_task(scratch.git, out.reporter, "Impossible date")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        "ledger line 21: 'Impossible date' has no 'Branch:' in its Git plan and no planned "
        "commit to derive one from (expected Branch: `<type>/<scope>-<desc>`)"
    )
    assert scratch.git.current_branch() == "main"


def test_entry_with_a_bad_branch_names_its_branch_line(
    make_scratch: Callable[[str], Scratch], out: Captured
) -> None:
    scratch = make_scratch("damaged_ledger.md")

    with pytest.raises(WorkflowError) as caught:
        start_task(scratch.git, out.reporter, "Second entry reusing")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message.startswith(
        "ledger line 19: branch 'Feat/Ledger_Second' breaks the grammar"
    )
    assert scratch.clone_git("branch", "--list", "Feat/*") == ""


def test_entry_whose_branch_is_main_itself_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    with pytest.raises(WorkflowError) as caught:
        start_task(
            seed_scratch.git, out.reporter, "tv-2025-10-03", main_branch="test/regression-suite"
        )

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == "the entry's branch is 'test/regression-suite' itself"


def test_rerun_on_the_branch_itself_stays_there(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    head = seed_scratch.rev("HEAD")

    again = start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert again.created is False
    assert again.marked_in_progress is False
    assert seed_scratch.rev("HEAD") == head
    assert out.out.count("Switched to the existing branch test/regression-suite.") == 1


def test_existing_branch_behind_main_gets_a_sync_hint(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    seed_scratch.clone_git("switch", "--quiet", "main")
    newer = seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")

    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert seed_scratch.rev("main") == newer
    assert seed_scratch.git.current_branch() == "test/regression-suite"
    assert (
        "warning: test/regression-suite is not based on the latest main: run 'invoke sync'"
        in out.err
    )


def test_entry_missing_from_the_branchs_ledger_is_left_alone(
    clean_scratch: Scratch, out: Captured
) -> None:
    start_task(clean_scratch.git, out.reporter, "tv-2025-11-02")
    renamed = clean_scratch.ledger_text().replace(
        "Add a tokenizer benchmark", "Benchmark the tokenizers"
    )
    head = clean_scratch.commit_file(".ldres/tv-tasks.md", renamed, "docs(ledger): rename it")
    clean_scratch.clone_git("switch", "--quiet", "main")

    started = start_task(clean_scratch.git, out.reporter, "tv-2025-11-02")

    assert started.marked_in_progress is False
    assert (
        "warning: 'Add a tokenizer benchmark' is not in the ledger on perf/tokenizer-benchmark; "
        "status left as it is" in out.err
    )
    assert clean_scratch.rev("HEAD") == head


def test_a_done_entry_is_not_started_and_its_landing_is_named(
    clean_scratch: Scratch, out: Captured
) -> None:
    main = clean_scratch.rev("main")
    seed = clean_scratch.clone_git("log", "-1", "--format=%h %s", "main")

    with pytest.raises(WorkflowError) as caught:
        start_task(clean_scratch.git, out.reporter, "tv-2025-10-15:PR5")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"'Seed the experiment configs' (tv-2025-10-15:PR5) marked Done by {seed} (PR #5): "
        "it is Done, nothing to start"
    )
    assert clean_scratch.rev("HEAD") == main
    assert clean_scratch.git.current_branch() == "main"


def test_an_entry_done_only_on_its_existing_branch_is_not_marked_again(
    clean_scratch: Scratch, out: Captured
) -> None:
    branch = "perf/tokenizer-benchmark"
    clean_scratch.clone_git("switch", "--quiet", "-c", branch)
    done = clean_scratch.ledger_text().replace(
        "### Open · tv-2025-11-02:PR?? · Add a tokenizer benchmark",
        "### Done · tv-2025-11-02:PR?? · Add a tokenizer benchmark",
    )
    head = clean_scratch.commit_file(".ldres/tv-tasks.md", done, "chore(ledger): complete it")
    clean_scratch.clone_git("switch", "--quiet", "main")

    started = start_task(clean_scratch.git, out.reporter, "tv-2025-11-02")

    assert started.marked_in_progress is False
    assert f"warning: 'Add a tokenizer benchmark' is already Done in the ledger on {branch}" in (
        out.err
    )
    assert clean_scratch.rev("HEAD") == head


def test_plan_of_an_entry_with_only_a_branch(seed_scratch: Scratch, out: Captured) -> None:
    ledger = seed_scratch.ledger_text() + MINIMAL_ENTRY
    seed_scratch.commit_file(".ldres/tv-tasks.md", ledger, "docs(ledger): add an entry")

    started = start_task(seed_scratch.git, out.reporter, "tv-2025-12-01")

    assert started.branch == "docs/minimal-entry"
    assert started.marked_in_progress is True
    assert out.out.endswith(
        "Marked the entry In progress (ledger line 176).\n"
        "\n"
        "Then: stage a small slice (git add -p) and run 'invoke commit'.\n"
    )


def test_a_picked_done_entry_is_not_started(regression_scratch: Scratch, out: Captured) -> None:
    ledger = regression_scratch.ledger_text()

    with pytest.raises(WorkflowError) as caught:
        start_task(regression_scratch.git, out.reporter, "tv-2025-10-04", pick=2)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        "'Migrate packages to implicit namespaces' (tv-2025-10-04:PR??) landed by PR #41: "
        "it is Done, nothing to start"
    )
    assert regression_scratch.ledger_text() == ledger


def test_a_refused_start_on_the_branch_itself_stays_there(
    regression_scratch: Scratch, out: Captured
) -> None:
    regression_scratch.clone_git("switch", "--quiet", "-c", "feat/qa-checks")
    regression_scratch.install_hook("pre-commit", "#!/bin/sh\nexit 1\n")

    with pytest.raises(WorkflowError) as caught:
        start_task(regression_scratch.git, out.reporter, "tv-2025-12-04")

    assert caught.value.details[-1] == "nothing was started: back on feat/qa-checks"
    assert regression_scratch.git.current_branch() == "feat/qa-checks"


def test_a_branch_with_several_problems_is_refused_naming_the_first(
    seed_scratch: Scratch, out: Captured
) -> None:
    entry = MINIMAL_ENTRY.replace("docs/minimal-entry", "docs/minimal..entry")
    seed_scratch.commit_file(
        ".ldres/tv-tasks.md", seed_scratch.ledger_text() + entry, "docs(ledger): add an entry"
    )

    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-2025-12-01")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        "ledger line 180: branch 'docs/minimal..entry' is not a valid git branch name: "
        "contains '..'"
    )


TASK_2_PLAN = """
Next steps:
  1. Move each module under the package it belongs to (`ml_playground/training/`, \
`ml_playground/core/`) and update the imports.
  2. Leave no re-export shims behind.

Planned commits (each at most 200 touched lines):
  1. refactor(training): move ema into training
  2. refactor(training): move checkpoint into training

Acceptance criteria:
  - Every import uses the new location.
  - `make quality` passes.

Then: stage a small slice (git add -p) and run 'invoke commit'.
"""


def test_plan_lists_numbered_steps_and_commits_and_the_acceptance_criteria(
    seed_scratch: Scratch, out: Captured
) -> None:
    start_task(seed_scratch.git, out.reporter, "Task 2")

    assert out.out.endswith(
        "The entry is a free-form section without a status; nothing to mark.\n" + TASK_2_PLAN
    )


def count_fetches(scratch: Scratch) -> Path:
    """Make the clone fetch from origin through a logging upload-pack; returns its log, which
    gets one line per fetch."""
    log = scratch.base / "fetches.log"
    script = scratch.base / "upload-pack"
    script.write_text(
        f'#!/bin/sh\necho fetch >> {shlex.quote(str(log))}\nexec git upload-pack "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    scratch.clone_git("config", "remote.origin.uploadpack", str(script))
    return log


TEAMMATE_ENTRY = """
### Open · tv-2026-01-05:PR?? · Add the teammate's entry

- **Summary**: Pushed to origin's main by someone else.
- **Git plan**:
  - Branch: `docs/teammate-entry`
- **Validation**: run `make quality`, then `make test`.
"""


def test_an_entry_only_on_origin_is_started_after_one_fetch(
    seed_scratch: Scratch, out: Captured
) -> None:
    ledger = seed_scratch.ledger_text() + TEAMMATE_ENTRY
    pushed = seed_scratch.upstream_commit(".ldres/tv-tasks.md", ledger, "docs(ledger): plan it")
    fetches = count_fetches(seed_scratch)

    started = start_task(seed_scratch.git, out.reporter, "tv-2026-01-05")

    assert started.branch == "docs/teammate-entry"
    assert started.title == "Add the teammate's entry"
    assert started.created is True
    assert out.out.endswith(
        "\nValidation:\n  make quality\n  make test\n\n"
        "Then: stage a small slice (git add -p) and run 'invoke commit'.\n"
    )
    assert seed_scratch.rev("main") == pushed
    assert fetches.read_text(encoding="utf-8") == "fetch\n"


def test_an_entry_of_the_checked_out_ledger_is_named_before_main_is_updated(
    seed_scratch: Scratch, out: Captured
) -> None:
    newer = seed_scratch.upstream_commit("notes.txt", "later\n", "docs: add notes")
    fetches = count_fetches(seed_scratch)

    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")

    assert out.out.startswith(
        "Task: Build a regression suite (tv-2025-10-03:PR??, Open)\n"
        "  set aside: Coverage plan towards full coverage"
    )
    assert f"Fast-forwarded main to origin/main ({str(newer)[:10]}).\n" in out.out
    assert out.out.index("  set aside:") < out.out.index("Fast-forwarded main")
    assert fetches.read_text(encoding="utf-8") == "fetch\n"


def test_an_unknown_entry_is_a_usage_error_when_main_has_no_ledger(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/keep-the-ledger")
    seed_scratch.raw(seed_scratch.upstream, "rm", "--quiet", ".ldres/tv-tasks.md")
    seed_scratch.raw(seed_scratch.upstream, "commit", "--quiet", "-m", "docs: drop the ledger")
    seed_scratch.raw(seed_scratch.upstream, "push", "--quiet", "origin", "main")

    with pytest.raises(WorkflowError) as caught:
        start_task(seed_scratch.git, out.reporter, "tv-1999-01-01")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message.startswith("no ledger entry matches 'tv-1999-01-01'")
    assert seed_scratch.rev("main") == seed_scratch.raw(seed_scratch.upstream, "rev-parse", "HEAD")
    assert seed_scratch.git.current_branch() == "docs/keep-the-ledger"
