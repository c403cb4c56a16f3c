"""The gate's checkout: exactly the staged tree, the user's files untouched, one gate at a time."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.git_env import isolated_git_env
from tests.unit.gate.conftest import git
from tools.gate.snapshot import SnapshotError, checked_out, gate_home, locked, staged_commit

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]


def user_state(root: Path) -> tuple[str, str, str, dict[str, bytes]]:
    """Everything of the user's a gate must not change: status, index, refs, file bytes."""
    files = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }
    status = git(root, "status", "--porcelain=v1", "--untracked-files=all")
    refs = git(root, "for-each-ref") + git(root, "stash", "list")
    return status, git(root, "write-tree"), refs, files


def test_the_checkout_holds_the_index_not_the_work_tree(git_repo: Path) -> None:
    (git_repo / "pkg" / "a.py").write_text("A = 'staged'\n", encoding="utf-8")
    git(git_repo, "add", "pkg/a.py")
    (git_repo / "pkg" / "a.py").write_text("A = 'unstaged'\n", encoding="utf-8")
    (git_repo / "pkg" / "untracked.py").write_text("U = 1\n", encoding="utf-8")
    git(git_repo, "rm", "-q", "--cached", "pkg/b.py")
    before = user_state(git_repo)
    commit = staged_commit(git_repo)
    with checked_out(git_repo, commit, say=print) as tree:
        assert (tree / "pkg" / "a.py").read_text(encoding="utf-8") == "A = 'staged'\n"
        assert not (tree / "pkg" / "untracked.py").exists()
        assert not (tree / "pkg" / "b.py").exists()
        assert git(tree, "rev-parse", "HEAD^").strip() == git(git_repo, "rev-parse", "HEAD").strip()
        assert git(tree, "status", "--porcelain") == ""
    assert user_state(git_repo) == before


def test_the_next_checkout_drops_what_a_run_left_and_keeps_the_caches(git_repo: Path) -> None:
    first = staged_commit(git_repo)
    with checked_out(git_repo, first, say=print) as tree:
        (tree / "leftover.txt").write_text("x", encoding="utf-8")
        (tree / "README.md").write_text("edited by a test\n", encoding="utf-8")
        (tree / ".cache").mkdir()
        (tree / ".cache" / "kept").write_text("x", encoding="utf-8")
    (git_repo / "pkg" / "new.py").write_text("N = 1\n", encoding="utf-8")
    git(git_repo, "add", ".")
    with checked_out(git_repo, staged_commit(git_repo), say=print) as again:
        assert again == tree
        assert not (tree / "leftover.txt").exists()
        assert (tree / "README.md").read_text(encoding="utf-8") == "# r\n"
        assert (tree / "pkg" / "new.py").is_file()
        assert (tree / ".cache" / "kept").is_file()


@pytest.mark.parametrize("left", ["nothing", "a directory without its .git file"])
def test_a_checkout_deleted_or_cut_short_is_made_again(git_repo: Path, left: str) -> None:
    commit = staged_commit(git_repo)
    with checked_out(git_repo, commit, say=print) as tree:
        pass
    if left == "nothing":
        shutil.rmtree(tree)
    else:
        (tree / ".git").unlink()
    with checked_out(git_repo, commit, say=print) as again:
        assert (again / "pkg" / "a.py").is_file()
        assert git(again, "rev-parse", "HEAD").strip() == commit


def test_an_unborn_branch_is_judged_as_a_first_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "a.txt").write_text("a\n", encoding="utf-8")
    git(tmp_path, "add", "a.txt")
    with checked_out(tmp_path, staged_commit(tmp_path), say=print) as tree:
        assert (tree / "a.txt").read_text(encoding="utf-8") == "a\n"


def test_an_index_with_unmerged_paths_is_refused_in_one_line(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "-b", "other")
    (git_repo / "README.md").write_text("# other\n", encoding="utf-8")
    git(git_repo, "commit", "-q", "-am", "other")
    git(git_repo, "checkout", "-q", "main")
    (git_repo / "README.md").write_text("# main\n", encoding="utf-8")
    git(git_repo, "commit", "-q", "-am", "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=git_repo, capture_output=True, check=False)
    with pytest.raises(SnapshotError, match=r"the index has unmerged paths \(README\.md\)"):
        staged_commit(git_repo)


def test_the_refusal_names_the_first_unmerged_path(git_repo: Path) -> None:
    blob = git(git_repo, "hash-object", "-w", "README.md").strip()
    entries = "".join(
        f"100644 {blob} {stage}\t{path}\n"
        for stage, path in [(1, "both-deleted.md"), (2, "zz-added.md"), (3, "zz-added.md")]
    )
    command = ["git", "update-index", "--index-info"]
    env = isolated_git_env()
    subprocess.run(command, cwd=git_repo, env=env, input=entries, text=True, check=True)
    with pytest.raises(SnapshotError, match=r"unmerged paths \(both-deleted\.md\): finish"):
        staged_commit(git_repo)


def test_outside_a_repository_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"^git ls-files in .*: fatal: not a git repository"):
        staged_commit(tmp_path)


def test_a_second_gate_waits_for_the_first_and_names_it(git_repo: Path) -> None:
    home = gate_home(git_repo)
    waiter = (
        "import sys; from pathlib import Path; from tools.gate.snapshot import locked\n"
        "with locked(Path(sys.argv[1]), say=lambda line: print(line, flush=True)):\n"
        "    print('got it', flush=True)\n"
    )
    command = [sys.executable, "-c", waiter, str(home)]
    with subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True) as second:
        assert second.stdout is not None
        with locked(home, say=print):
            says = second.stdout.readline()
        assert says == f"gate: waiting for the gate of pid {os.getpid()} to finish\n"
        assert second.stdout.readline() == "got it\n"
    assert second.returncode == 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_gate_killed_inside_its_checkout_loses_nothing_and_frees_the_lock(
    git_repo: Path, signum: int
) -> None:
    (git_repo / "pkg" / "a.py").write_text("A = 'staged'\n", encoding="utf-8")
    git(git_repo, "add", ".")
    (git_repo / "pkg" / "a.py").write_text("A = 'unstaged'\n", encoding="utf-8")
    before = user_state(git_repo)
    holder = (
        "import sys; from pathlib import Path\n"
        "from tools.gate.snapshot import checked_out, staged_commit\n"
        "root = Path(sys.argv[1])\n"
        "with checked_out(root, staged_commit(root)):\n"
        "    print('inside', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    command = [sys.executable, "-c", holder, str(git_repo)]
    with subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == "inside\n"
        process.send_signal(signum)
        assert process.wait() != 0
    assert user_state(git_repo) == before
    with locked(gate_home(git_repo), say=pytest.fail):  # free at once: no wait, no message
        pass
