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
