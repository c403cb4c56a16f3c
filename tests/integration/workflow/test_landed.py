"""Which ledger entry landed a commit, as invoke release lists it in the changelog."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tools.workflow.release_notes import read_commits

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.integration


def test_a_landed_field_and_a_ship_name_the_entry_of_each_commit(clean_scratch: Scratch) -> None:
    """A commit named in a Done entry's Landed field, and the commits a ship landed before its
    ``chore(ledger): complete`` commit (back to the start commit), carry that entry."""
    scratch = clean_scratch
    feat = scratch.commit_file("a.txt", "a\n", "feat(core): add the package")
    bench = "### Open · tv-2025-11-02:PR?? · Add a tokenizer benchmark\n"
    landed = bench.replace("Open", "Done", 1) + f"\n- **Landed**: {feat[:7]}.\n"
    scratch.commit_file(
        ".ldres/tv-tasks.md", scratch.ledger_text().replace(bench, landed), "docs: x"
    )
    other = scratch.commit_file("other.txt", "other\n", "fix(core): handle others")
    start = scratch.commit_file("start.txt", "start\n", "chore(ledger): start tidy it")
    fix = scratch.commit_file("fix.txt", "fix\n", "fix(core): tidy the options")
    tidy = "### In progress · tv-2025-11-01:PR12 · Tidy the sampling options"
    done = scratch.ledger_text().replace(tidy, tidy.replace("In progress", "Done"))
    complete = scratch.commit_file(".ldres/tv-tasks.md", done, "chore(ledger): complete tidy it")

    commits = read_commits(scratch.git, None, "HEAD")

    entries = {commit.sha: commit.entry for commit in commits}
    tidy_entry = "tv-2025-11-01:PR12 Tidy the sampling options"
    assert entries[feat] == "tv-2025-11-02:PR?? Add a tokenizer benchmark"
    assert entries[other] is None
    assert entries[start] == entries[fix] == tidy_entry
    assert entries[complete] is None


def test_a_landed_range_names_every_commit_in_it(clean_scratch: Scratch) -> None:
    scratch = clean_scratch
    first = scratch.commit_file("a.txt", "a\n", "feat(core): add a")
    middle = scratch.commit_file("b.txt", "b\n", "feat(core): add b")
    last = scratch.commit_file("c.txt", "c\n", "feat(core): add c")
    bench = "### Open · tv-2025-11-02:PR?? · Add a tokenizer benchmark\n"
    landed = bench.replace("Open", "Done", 1) + f"\n- **Landed**: {first[:7]} to {last[:7]}.\n"
    scratch.commit_file(
        ".ldres/tv-tasks.md", scratch.ledger_text().replace(bench, landed), "docs: x"
    )

    commits = read_commits(scratch.git, first + "^", "HEAD")

    assert [commit.sha for commit in commits if commit.entry] == [first, middle, last]


TIDY = "### In progress · tv-2025-11-01:PR12 · Tidy the sampling options\n"
GUIDE = "### Open · tv-2025-11-01:PR?? · Document the sampling options\n"
BENCH = "### Open · tv-2025-11-02:PR?? · Add a tokenizer benchmark\n"
SEED = "### Done · tv-2025-10-15:PR5 · Seed the experiment configs\n"


def _complete(scratch: Scratch, heading: str, subject: str) -> str:
    """A ``chore(ledger): complete`` commit marking the entry under ``heading`` Done."""
    text = scratch.ledger_text().replace(heading, "### Done · " + heading.split(" · ", 1)[1])
    return scratch.commit_file(".ldres/tv-tasks.md", text, f"chore(ledger): complete {subject}")


def _seed_entry_landed(scratch: Scratch, landed: str) -> str:
    """A commit giving the Done entry "Seed the experiment configs" a Landed field."""
    text = scratch.ledger_text().replace(SEED, f"{SEED}\n- **Landed**: {landed}.\n", 1)
    return scratch.commit_file(".ldres/tv-tasks.md", text, "docs(ledger): note what landed")


def test_ids_and_ranges_naming_no_commit_here_are_skipped(clean_scratch: Scratch) -> None:
    scratch = clean_scratch
    feat = scratch.commit_file("a.txt", "a\n", "feat(core): add a")
    fix = scratch.commit_file("b.txt", "b\n", "fix(core): mend b")
    unknown = f"deadbee, 1234567 to {feat[:7]}, {feat[:7]} to abcdef0"
    _seed_entry_landed(scratch, f"{unknown} and {fix[:7]}")

    commits = read_commits(scratch.git, None, "HEAD")

    seed = "tv-2025-10-15:PR5 Seed the experiment configs"
    assert [commit.entry for commit in commits] == [None, None, seed, None]


def test_a_ship_takes_the_commits_back_to_the_previous_ship(clean_scratch: Scratch) -> None:
    """Without a start commit a ship takes every commit before it, back to the previous ship
    (or the first commit listed)."""
    scratch = clean_scratch
    seed = scratch.rev("HEAD")
    first = scratch.commit_file("a.txt", "a\n", "feat(core): add a")
    tidied = _complete(scratch, TIDY, "tidy it")
    second = scratch.commit_file("b.txt", "b\n", "fix(core): mend b")
    documented = _complete(scratch, GUIDE, "document it")

    commits = read_commits(scratch.git, None, "HEAD")

    tidy, guide = (
        "tv-2025-11-01:PR12 Tidy the sampling options",
        "tv-2025-11-01:PR?? Document the sampling options",
    )
    assert {commit.sha: commit.entry for commit in commits} == {
        seed: tidy,
        first: tidy,
        tidied: None,
        second: guide,
        documented: None,
    }


def test_a_ship_stops_at_a_commit_a_landed_field_names(clean_scratch: Scratch) -> None:
    scratch = clean_scratch
    named = scratch.commit_file("a.txt", "a\n", "feat(core): add a")
    noted = _seed_entry_landed(scratch, named[:7])
    fix = scratch.commit_file("b.txt", "b\n", "fix(core): mend b")
    _complete(scratch, BENCH, "bench it")

    commits = read_commits(scratch.git, None, "HEAD")

    entries = {commit.sha: commit.entry for commit in commits}
    bench = "tv-2025-11-02:PR?? Add a tokenizer benchmark"
    assert entries[fix] == entries[noted] == bench
    assert entries[named] == "tv-2025-10-15:PR5 Seed the experiment configs"
    assert entries[scratch.clone_git("rev-parse", f"{named}^")] is None


def test_a_complete_commit_that_marks_nothing_done_names_no_entry(clean_scratch: Scratch) -> None:
    """Its ledger marks no entry Done that was not before, or it has no ledger at all."""
    scratch = clean_scratch
    scratch.commit_file("a.txt", "a\n", "feat(core): add a")
    scratch.commit_file("notes.txt", "notes\n", "chore(ledger): complete the notes")
    scratch.clone_git("rm", "--quiet", ".ldres/tv-tasks.md")
    scratch.clone_git("commit", "--quiet", "-m", "chore(ledger): complete the ledger")

    commits = read_commits(scratch.git, None, "HEAD")

    assert [commit.entry for commit in commits] == [None, None, None, None]


def test_a_complete_commit_that_marks_nothing_done_does_not_hide_a_later_ship(
    clean_scratch: Scratch,
) -> None:
    scratch = clean_scratch
    scratch.commit_file("notes.txt", "notes\n", "chore(ledger): complete the notes")
    fix = scratch.commit_file("b.txt", "b\n", "fix(core): mend b")
    tidied = _complete(scratch, TIDY, "tidy it")

    commits = read_commits(scratch.git, None, "HEAD")

    entries = {commit.sha: commit.entry for commit in commits}
    assert entries[fix] == "tv-2025-11-01:PR12 Tidy the sampling options"
    assert entries[tidied] is None
