"""Loading the ledger file and finding an entry again by title (and id) after edits."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.git_env import isolated_git_env
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commit_rules import HEADER_MAX_LENGTH
from tools.workflow.ledger.parse import parse_ledger, parse_ledger_bytes
from tools.workflow.ledger.store import (
    bookkeeping_header,
    commit_ledger_edit,
    entry_for_branch,
    find_entry,
    is_bookkeeping_commit,
    load_ledger,
    load_ledger_at,
    warn_about_problems,
    with_status,
)
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.unit

TWO_WITH_ONE_TITLE = (
    "### Open · tv-2025-10-04:PR?? · Tidy the docs\n\n- **Summary**: First.\n\n"
    "### Open · tv-2025-10-05:PR?? · Tidy the docs\n\n- **Summary**: Second.\n\n"
    "### Open · tv-2025-10-06:PR?? · Something else\n"
)


def test_missing_ledger_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError) as caught:
        load_ledger(tmp_path)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"{tmp_path / '.ldres' / 'tv-tasks.md'}: ledger not found "
        "(expected the task ledger at .ldres/tv-tasks.md)"
    )


def test_loaded_ledger_keeps_the_exact_bytes(tmp_path: Path) -> None:
    data = "### Open · tv-2025-10-04:PR?? · Tidy the docs\r\n".encode()
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(data)

    loaded = load_ledger(tmp_path)

    assert loaded.data == data
    assert loaded.path == tmp_path / ".ldres" / "tv-tasks.md"
    assert [entry.title for entry in loaded.ledger.entries] == ["Tidy the docs"]


def test_the_ledger_of_a_ref_is_its_committed_bytes_or_none(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "--quiet", "--initial-branch", "main")
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "chore: start",
    )
    repo = Git(tmp_path)
    assert load_ledger_at(repo, "main") is None
    data = "### Open · tv-2025-10-04:PR?? · Tidy the docs\r\n".encode() + b"\xff not UTF-8\n"
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(data)
    git("add", ".ldres")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "docs: plan")

    loaded = load_ledger_at(repo, "main")

    assert loaded is not None
    assert loaded.data == data
    assert [entry.title for entry in loaded.ledger.entries] == ["Tidy the docs"]


def test_a_clean_ledger_gets_no_warnings(tmp_path: Path) -> None:
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(b"# tv-tasks\n")
    err = io.StringIO()

    warn_about_problems(load_ledger(tmp_path), Reporter(io.StringIO(), err))

    assert err.getvalue() == ""


def test_shared_title_prefers_the_entry_with_the_remembered_id() -> None:
    ledger = parse_ledger(TWO_WITH_ONE_TITLE)

    second = find_entry(ledger, "tv-2025-10-05:PR??", "Tidy the docs")
    unknown_id = find_entry(ledger, "tv-2025-10-09:PR7", "Tidy the docs")

    assert second is not None
    assert second.field_text("Summary") == "Second."
    assert unknown_id is not None
    assert unknown_id.field_text("Summary") == "First."


def test_twins_with_one_id_and_title_are_told_apart_by_their_branch() -> None:
    twin = "### Open · tv-2025-10-04:PR?? · Twin\n\n- **Git plan**:\n  - Branch: `feat/twin-{}`\n\n"
    ledger = parse_ledger(twin.format("one") + twin.format("two"))

    second = find_entry(ledger, "tv-2025-10-04:PR??", "Twin", "feat/twin-two")
    unknown = find_entry(ledger, "tv-2025-10-04:PR??", "Twin", "feat/other")

    assert second is ledger.entries[1]
    assert unknown is ledger.entries[0]


def test_unique_title_is_found_whatever_the_id_and_a_missing_one_is_none() -> None:
    ledger = parse_ledger(TWO_WITH_ONE_TITLE)

    found = find_entry(ledger, None, "Something else")

    assert found is not None
    assert found.raw_id == "tv-2025-10-06:PR??"
    assert find_entry(ledger, "tv-2025-10-04:PR??", "Tidy the code") is None


def _scratch_git(root: Path) -> Git:
    """A fresh repository at ``root`` whose git calls ignore the user's and system's config."""
    env = isolated_git_env()
    repo = Git(root, env)
    repo.run("init", "--quiet", "--initial-branch", "main")
    return repo


def _commit_ledger(repo: Git, data: bytes, message: str, *extra: str) -> str:
    (repo.root / ".ldres").mkdir(exist_ok=True)
    (repo.root / ".ldres" / "tv-tasks.md").write_bytes(data)
    for name in extra:
        (repo.root / name).write_text(f"{message}\n")
    repo.run("add", "--", ".ldres", *extra)
    repo.run("commit", "--quiet", "-m", message)
    return repo.output("rev-parse", "HEAD")


HEADING_FIRST = "### Open · tv-2025-10-04:PR?? · Tidy the docs\n\n- **Summary**: x.\n".encode()


def test_a_loaded_ledger_cannot_be_changed_in_place(tmp_path: Path) -> None:
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(HEADING_FIRST)
    loaded = load_ledger(tmp_path)

    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.data = b""  # type: ignore[misc]

    assert loaded.data == HEADING_FIRST


def test_a_heading_on_the_first_line_without_a_byte_order_mark_is_edited_whole() -> None:
    entry = parse_ledger_bytes(HEADING_FIRST).entries[0]

    edited = with_status(HEADING_FIRST, entry, "Done")

    assert edited == HEADING_FIRST.replace(b"Open", b"Done", 1)


def test_the_only_entry_planning_a_branch_is_its_entry(tmp_path: Path) -> None:
    repo = _scratch_git(tmp_path)
    _commit_ledger(repo, b"# t\n", "docs: plan")
    ledger = parse_ledger(
        "### Open · tv-2025-10-04:PR?? · Twin\n\n- **Git plan**:\n  - Branch: `feat/one`\n\n"
        "### Open · tv-2025-10-05:PR?? · Other\n\n- **Git plan**:\n  - Branch: `feat/two`\n\n"
        "### Open · tv-2025-10-06:PR?? · Third\n\n- **Git plan**:\n  - Branch: `feat/one`\n"
    )

    assert entry_for_branch(repo, ledger, "feat/two") is ledger.entries[1]
    assert entry_for_branch(repo, ledger, "feat/one") is None
    assert entry_for_branch(repo, ledger, "feat/three") is None


def test_a_suffix_takes_its_room_from_the_title() -> None:
    title = "Make the export of trained models to the ONNX format reproducible across machines"

    header = bookkeeping_header("start", title, " [again]")

    assert header == "chore(ledger): start make the export of trained models to the [again]"
    assert len(header) <= HEADER_MAX_LENGTH


def test_a_title_that_fits_exactly_is_kept_whole() -> None:
    title = " ".join(["abcdefghi"] * 5 + ["z"])
    assert len(f"chore(ledger): start {title}") == HEADER_MAX_LENGTH

    assert bookkeeping_header("start", title) == f"chore(ledger): start {title}"


def test_a_title_is_cut_at_the_first_word_that_does_not_fit() -> None:
    title = "Fix " + "x" * 60 + " now"

    assert bookkeeping_header("start", title) == "chore(ledger): start fix"


def test_a_refused_ledger_commit_names_the_bookkeeping_header(tmp_path: Path) -> None:
    repo = _scratch_git(tmp_path)
    _commit_ledger(repo, HEADING_FIRST, "docs: plan")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    loaded = load_ledger(tmp_path)
    new_data = with_status(loaded.data, loaded.ledger.entries[0], "Done")

    with pytest.raises(WorkflowError) as caught:
        commit_ledger_edit(repo, loaded, new_data, "chore(ledger): complete tidy the docs")

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message == (
        "git commit of the ledger ('chore(ledger): complete tidy the docs') failed: "
        "no commits today"
    )
    assert loaded.path.read_bytes() == HEADING_FIRST


def test_a_rollback_that_cannot_reset_the_index_still_restores_the_file(tmp_path: Path) -> None:
    repo = _scratch_git(tmp_path)
    head = _commit_ledger(repo, HEADING_FIRST, "docs: plan")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    hook.write_text(
        "#!/bin/sh\nrm -f .git/index.lock\nmkdir .git/index.lock\necho 'index locked' >&2\nexit 1\n"
    )
    hook.chmod(0o755)
    loaded = load_ledger(tmp_path)
    new_data = with_status(loaded.data, loaded.ledger.entries[0], "Done")

    with pytest.raises(WorkflowError) as caught:
        commit_ledger_edit(repo, loaded, new_data, "chore(ledger): complete tidy the docs")

    assert caught.value.message == (
        "git commit of the ledger ('chore(ledger): complete tidy the docs') failed: index locked"
    )
    assert loaded.path.read_bytes() == HEADING_FIRST
    assert repo.output("rev-parse", "HEAD") == head


def test_a_commit_that_only_edits_ledger_headings_is_bookkeeping(tmp_path: Path) -> None:
    repo = _scratch_git(tmp_path)
    _commit_ledger(repo, HEADING_FIRST, "docs: plan")
    done = HEADING_FIRST.replace(b"Open", b"Done", 1)

    commit = _commit_ledger(repo, done, "chore(ledger): complete tidy the docs")

    assert is_bookkeeping_commit(repo, commit) is True


def test_a_heading_edit_committed_with_another_file_is_no_bookkeeping(tmp_path: Path) -> None:
    repo = _scratch_git(tmp_path)
    _commit_ledger(repo, HEADING_FIRST, "docs: plan")
    done = HEADING_FIRST.replace(b"Open", b"Done", 1)

    commit = _commit_ledger(repo, done, "feat: ship it", "notes.txt")

    assert is_bookkeeping_commit(repo, commit) is False


@pytest.mark.parametrize("data", [HEADING_FIRST, b""], ids=["planned", "empty"])
def test_the_commit_that_adds_the_ledger_is_no_bookkeeping(tmp_path: Path, data: bytes) -> None:
    repo = _scratch_git(tmp_path)
    (tmp_path / "notes.txt").write_text("first\n")
    repo.run("add", "notes.txt")
    repo.run("commit", "--quiet", "-m", "docs: start")

    commit = _commit_ledger(repo, data, "docs: plan")

    assert is_bookkeeping_commit(repo, commit) is False
