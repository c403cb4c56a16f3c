"""invoke release (and continue/abort of a release) end to end against a local bare origin."""

from __future__ import annotations

import dataclasses
import datetime
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.workflow.package import project_files, uv_command, uv_env
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.release import (
    ReleasePlan,
    Tools,
    abort_release,
    continue_release,
    release,
    run_release_steps,
)
from tools.workflow.commands.resume import abort_operation, continue_operation
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import Operation, load_operation, save_operation

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration

TODAY = datetime.date(2026, 12, 6)


def _git(scratch: Scratch) -> Git:
    return Git(scratch.root, {**scratch.env, **uv_env(scratch.base)})


def _tools() -> Tools:
    return Tools(uv_command(), TODAY)


def _on_main(scratch: Scratch, message: str, version: str = "0.1.0") -> str:
    """A commit on main holding the tiny project, pushed to origin (plain git)."""
    for relative, text in project_files(version).items():
        scratch.stage(relative, text)
    scratch.stage("notes.txt", message + "\n")
    scratch.clone_git("commit", "--quiet", "-m", message)
    scratch.clone_git("push", "--quiet", "origin", "main")
    return scratch.clone_git("rev-parse", "HEAD")


def _released(scratch: Scratch, out: Captured) -> str:
    release(_git(scratch), out.reporter, _tools())
    return scratch.clone_git("rev-parse", "HEAD")


def _origin_tag(scratch: Scratch, tag: str) -> str | None:
    return scratch.origin_rev(f"refs/tags/{tag}^{{commit}}")


def test_a_first_release_tags_the_version_of_pyproject(
    clean_scratch: Scratch, out: Captured
) -> None:
    feat = _on_main(clean_scratch, "feat(core): add the package")

    released = _released(clean_scratch, out)

    assert clean_scratch.clone_git("log", "-1", "--format=%s %P", released) == (
        f"chore(release): v0.1.0 {feat}"
    )
    assert clean_scratch.origin_rev("refs/heads/main") == released
    assert _origin_tag(clean_scratch, "v0.1.0") == released
    assert clean_scratch.raw(clean_scratch.origin, "cat-file", "-t", "v0.1.0") == "tag"
    changelog = (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n\n## v0.1.0 (2026-12-06)\n\n### Features\n\n")
    assert f"- core: add the package ({feat[:7]})\n" in changelog
    assert "### Chores\n\n- seed the repository (" in changelog
    assert sorted(path.name for path in (clean_scratch.root / "dist").iterdir()) == [
        "scratchpkg-0.1.0-py3-none-any.whl",
        "scratchpkg-0.1.0.tar.gz",
    ]
    assert out.out.endswith("Pushed main and v0.1.0 to origin together.\nReleased v0.1.0.\n")
    assert load_operation(clean_scratch.git) is None


@pytest.mark.parametrize(
    ("message", "body", "version"),
    [
        ("fix(core): handle an empty input", "", "0.1.1"),
        ("perf(core): read the input once", "", "0.1.1"),
        ("feat(core): add a switch", "", "0.2.0"),
        ("fix(core)!: drop the old switch", "", "0.2.0"),
        ("fix(core): rename the switch", "BREAKING CHANGE: the old name is gone", "0.2.0"),
    ],
)
def test_the_next_version_follows_the_commits_while_major_is_zero(
    clean_scratch: Scratch, out: Captured, message: str, body: str, version: str
) -> None:
    _on_main(clean_scratch, "feat(core): add the package")
    _released(clean_scratch, out)
    clean_scratch.commit_file("more.txt", "more\n", "docs(core): explain more")
    clean_scratch.stage("fix.txt", message)
    clean_scratch.clone_git("commit", "--quiet", "-m", message, *(["-m", body] if body else []))
    clean_scratch.clone_git("push", "--quiet", "origin", "main")

    released = _released(clean_scratch, out)

    assert _origin_tag(clean_scratch, f"v{version}") == released
    pyproject = (clean_scratch.root / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{version}"' in pyproject
    changelog = (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index(f"## v{version} (2026-12-06)") < changelog.index("## v0.1.0")
    assert "- core: explain more (" in changelog


def test_a_breaking_change_after_1_0_bumps_the_major_version(
    clean_scratch: Scratch, out: Captured
) -> None:
    _on_main(clean_scratch, "feat(core): add the package", version="1.0.0")
    _released(clean_scratch, out)
    breaking = clean_scratch.commit_file("b.txt", "b\n", "feat(core)!: replace the input format")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")

    released = _released(clean_scratch, out)

    assert _origin_tag(clean_scratch, "v2.0.0") == released
    changelog = (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"- **breaking** core: replace the input format ({breaking[:7]})\n" in changelog


def test_uv_version_also_sets_the_version_in_the_lock(
    clean_scratch: Scratch, out: Captured
) -> None:
    _on_main(clean_scratch, "feat(core): add the package")
    git = _git(clean_scratch)
    locked = subprocess.run(
        [uv_command(), "lock", "--quiet"], cwd=clean_scratch.root, env=git.env, check=False
    )
    assert locked.returncode == 0
    clean_scratch.clone_git("add", "uv.lock")
    clean_scratch.clone_git("commit", "--quiet", "-m", "build: lock the dependencies")
    clean_scratch.commit_file("f.txt", "f\n", "feat(core): add f")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")
    _released(clean_scratch, out)
    clean_scratch.commit_file("g.txt", "g\n", "fix(core): mend g")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")

    released = _released(clean_scratch, out)

    changed = clean_scratch.clone_git("show", "--name-only", "--format=", released).split()
    assert changed == ["CHANGELOG.md", "pyproject.toml", "uv.lock"]
    lock = (clean_scratch.root / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "scratchpkg"\nversion = "0.1.1"' in lock


def test_nothing_to_release_says_so_and_changes_nothing(
    clean_scratch: Scratch, out: Captured
) -> None:
    _on_main(clean_scratch, "feat(core): add the package")
    released = _released(clean_scratch, out)
    docs = clean_scratch.commit_file("more.txt", "more\n", "docs(core): explain more")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")

    assert release(_git(clean_scratch), out.reporter, _tools()) is None

    assert out.out.endswith(
        "Nothing to release: no feat, fix, perf or breaking commit since v0.1.0.\n"
    )
    assert clean_scratch.rev("main") == docs
    assert clean_scratch.clone_git("tag", "--list") == "v0.1.0"
    assert clean_scratch.rev("v0.1.0") == released


def test_dry_run_prints_the_version_and_section_and_changes_nothing(
    clean_scratch: Scratch, out: Captured
) -> None:
    feat = _on_main(clean_scratch, "feat(core): add the package")

    plan = release(_git(clean_scratch), out.reporter, _tools(), dry_run=True)

    assert plan is not None
    assert plan.tag == "v0.1.0"
    assert out.out.startswith("Next version: v0.1.0 (2 commit(s) since the first commit).\n")
    assert f"### Features\n\n- core: add the package ({feat[:7]})\n" in out.out
    assert clean_scratch.rev("main") == feat
    assert clean_scratch.clone_git("tag", "--list") == ""
    assert clean_scratch.clone_git("status", "--porcelain") == ""


def _teammate_pushes(scratch: Scratch) -> str:
    scratch.raw(scratch.upstream, "pull", "--quiet", "--ff-only", "origin", "main")
    return scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their notes")


def _release_stopped_at_the_push(scratch: Scratch, out: Captured) -> str:
    """A release whose push origin rejects: committed, tagged and built locally, then stopped."""
    _on_main(scratch, "feat(core): add the package")
    before = scratch.clone_git("rev-parse", "HEAD")
    scratch.reject_pushes("origin is read-only today")
    with pytest.raises(WorkflowError) as stopped:
        release(_git(scratch), out.reporter, _tools())
    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message == (
        "pushing main and v0.1.0 to origin failed (neither landed): remote: origin is read-only "
        "today"
    )
    scratch.accept_pushes()
    return before


def test_a_release_stopped_after_the_tag_is_finished_by_continue(
    clean_scratch: Scratch, out: Captured
) -> None:
    _release_stopped_at_the_push(clean_scratch, out)
    operation = load_operation(clean_scratch.git)
    assert operation is not None
    assert (operation.kind, operation.step, operation.tag) == ("release", "push", "v0.1.0")
    tagged = clean_scratch.rev("v0.1.0")
    assert clean_scratch.origin_rev("refs/tags/v0.1.0") is None

    continue_operation(_git(clean_scratch), out.reporter, tools=_tools())

    assert clean_scratch.origin_rev("refs/heads/main") == tagged
    assert _origin_tag(clean_scratch, "v0.1.0") == tagged
    assert load_operation(clean_scratch.git) is None


def test_a_release_stopped_after_the_tag_is_undone_by_abort(
    clean_scratch: Scratch, out: Captured
) -> None:
    before = _release_stopped_at_the_push(clean_scratch, out)

    abort_operation(_git(clean_scratch), out.reporter)

    assert clean_scratch.rev("main") == before
    assert clean_scratch.clone_git("tag", "--list") == ""
    assert clean_scratch.clone_git("status", "--porcelain") == ""
    assert not (clean_scratch.root / "CHANGELOG.md").exists()
    assert list((clean_scratch.root / "dist").iterdir()) == []
    assert out.out.endswith(
        f"Release v0.1.0 aborted; main is back at {before[:10]} and the tag is gone.\n"
    )
    assert load_operation(clean_scratch.git) is None
    assert clean_scratch.origin_rev("refs/heads/main") == before


def test_abort_refuses_once_origin_holds_the_release_and_continue_finishes(
    clean_scratch: Scratch, out: Captured
) -> None:
    """The push landed although the release did not see it (interrupted): origin is read
    again, so abort refuses and continue only clears the record."""
    _release_stopped_at_the_push(clean_scratch, out)
    clean_scratch.clone_git("push", "--quiet", "--atomic", "origin", "main", "v0.1.0")

    with pytest.raises(WorkflowError) as refused:
        abort_operation(_git(clean_scratch), out.reporter)
    continue_operation(_git(clean_scratch), out.reporter, tools=_tools())

    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message == (
        "cannot abort: origin already holds v0.1.0; finish the release with invoke continue"
    )
    assert out.out.endswith("origin already holds v0.1.0; the release is finished.\n")
    assert load_operation(clean_scratch.git) is None


def test_origin_rejecting_the_tag_leaves_main_unpushed_too(
    clean_scratch: Scratch, out: Captured
) -> None:
    """Main and the tag land together or not at all (an update hook refusing only tags)."""
    before = _on_main(clean_scratch, "feat(core): add the package")
    hook = clean_scratch.origin / "hooks" / "update"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text('#!/bin/sh\ncase "$1" in refs/tags/*) exit 1 ;; esac\n', encoding="utf-8")
    hook.chmod(0o755)

    with pytest.raises(WorkflowError) as stopped:
        release(_git(clean_scratch), out.reporter, _tools())

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message.startswith("pushing main and v0.1.0 to origin failed")
    assert clean_scratch.origin_rev("refs/heads/main") == before
    assert clean_scratch.origin_rev("refs/tags/v0.1.0") is None


def test_a_teammate_pushing_in_between_makes_the_push_fail_whole(
    clean_scratch: Scratch, out: Captured
) -> None:
    before = _release_stopped_at_the_push(clean_scratch, out)
    theirs = _teammate_pushes(clean_scratch)
    assert clean_scratch.origin_rev("refs/heads/main") == theirs

    with pytest.raises(WorkflowError) as stopped:
        continue_operation(_git(clean_scratch), out.reporter, tools=_tools())
    abort_operation(_git(clean_scratch), out.reporter)

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.details[1] == (
        "origin/main moved on: invoke abort, then invoke release again"
    )
    assert clean_scratch.origin_rev("refs/heads/main") == theirs
    assert clean_scratch.origin_rev("refs/tags/v0.1.0") is None
    assert clean_scratch.rev("main") == before


def test_a_failed_build_stops_after_the_tag_and_continue_builds_again(
    clean_scratch: Scratch, out: Captured, tmp_path: Path
) -> None:
    _on_main(clean_scratch, "feat(core): add the package")
    no_build = tmp_path / "uv-without-build"
    no_build.write_text(
        f'#!/bin/sh\n[ "$1" = build ] && {{ echo "error: no build today" >&2; exit 2; }}\n'
        f'exec {uv_command()} "$@"\n',
        encoding="utf-8",
    )
    no_build.chmod(0o755)

    with pytest.raises(WorkflowError) as stopped:
        release(_git(clean_scratch), out.reporter, Tools(str(no_build), TODAY))
    tagged = clean_scratch.rev("v0.1.0")
    continue_operation(_git(clean_scratch), out.reporter, tools=_tools())

    assert stopped.value.message == "building v0.1.0 failed: error: no build today"
    assert tagged == clean_scratch.rev("main")
    assert _origin_tag(clean_scratch, "v0.1.0") == tagged


@pytest.mark.parametrize("problem", ["dirty", "off main", "behind", "pending"])
def test_release_refuses_an_unsafe_state(
    clean_scratch: Scratch, out: Captured, problem: str
) -> None:
    if problem == "pending":
        _release_stopped_at_the_push(clean_scratch, out)
    else:
        _on_main(clean_scratch, "feat(core): add the package")
    expected = {
        "dirty": "refusing to release: uncommitted changes in 1 tracked file(s): notes.txt",
        "off main": "refusing to release from 'feat/other-work': releases are made on main",
        "behind": "refusing to release: main is 1 commit(s) behind and 0 ahead of origin/main",
        "pending": "refusing to release: an interrupted release of 'main' is pending",
    }[problem]
    if problem == "dirty":
        clean_scratch.write("notes.txt", "edited\n")
    elif problem == "off main":
        clean_scratch.clone_git("switch", "--quiet", "-c", "feat/other-work")
    elif problem == "behind":
        _teammate_pushes(clean_scratch)
    head = clean_scratch.rev("HEAD")

    with pytest.raises(WorkflowError) as refused:
        release(_git(clean_scratch), out.reporter, _tools())

    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message.startswith(expected)
    assert clean_scratch.rev("HEAD") == head


def _refused(scratch: Scratch, out: Captured, tools: Tools | None = None) -> WorkflowError:
    """Release main, which must refuse; nothing may change (main, tags, record, work tree)."""
    head, tags = scratch.rev("main"), scratch.clone_git("tag", "--list")
    with pytest.raises(WorkflowError) as refused:
        release(_git(scratch), out.reporter, tools or _tools())
    assert scratch.rev("main") == head
    assert scratch.clone_git("tag", "--list") == tags
    assert scratch.clone_git("status", "--porcelain") == ""
    assert load_operation(scratch.git) is None
    assert scratch.origin_rev("refs/heads/main") == head
    return refused.value


@pytest.mark.parametrize("version", ["0.1", "v0.1.0", ""])
def test_a_first_release_needs_an_x_y_z_version_in_pyproject(
    clean_scratch: Scratch, out: Captured, version: str
) -> None:
    _on_main(clean_scratch, "feat(core): add the package", version=version)

    refused = _refused(clean_scratch, out)

    assert refused.code == ExitCode.USAGE
    assert refused.message == (
        f"pyproject.toml: project.version {version!r} is not X.Y.Z; set the version of the "
        "first release there"
    )


def test_a_first_release_without_pyproject_is_a_usage_error(
    clean_scratch: Scratch, out: Captured
) -> None:
    clean_scratch.commit_file("a.txt", "a\n", "feat(core): add a")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")

    refused = _refused(clean_scratch, out)

    assert refused.code == ExitCode.USAGE
    assert refused.message == "no pyproject.toml on main: nothing to version"


def test_a_release_without_uv_is_a_usage_error(clean_scratch: Scratch, out: Captured) -> None:
    _on_main(clean_scratch, "feat(core): add the package")

    refused = _refused(clean_scratch, out, Tools(None, TODAY))

    assert refused.code == ExitCode.USAGE
    assert refused.message == "uv is not on PATH: a release sets the version and builds with it"


def test_a_release_without_the_remote_is_refused(clean_scratch: Scratch, out: Captured) -> None:
    _on_main(clean_scratch, "feat(core): add the package")
    clean_scratch.clone_git("remote", "remove", "origin")

    refused = _refused(clean_scratch, out)

    assert refused.code == ExitCode.REFUSED
    assert refused.message == "refusing to release: no remote 'origin' to push it to"


@pytest.mark.parametrize("where", ["here", "on origin"])
def test_a_release_whose_tag_exists_already_is_refused(
    clean_scratch: Scratch, out: Captured, where: str
) -> None:
    """A ``v0.1.0`` tag on a commit main does not hold (so not the last release of main)."""
    _on_main(clean_scratch, "feat(core): add the package")
    if where == "here":
        side = clean_scratch.branch_with_commit("feat/side", "side.txt", "side\n", "feat: side")
        clean_scratch.clone_git("tag", "v0.1.0", side)
        clean_scratch.clone_git("switch", "--quiet", "main")
    else:
        upstream = clean_scratch.upstream
        (upstream / "side.txt").write_text("side\n", encoding="utf-8")
        clean_scratch.raw(upstream, "add", "side.txt")
        clean_scratch.raw(upstream, "commit", "--quiet", "-m", "feat: side")
        clean_scratch.raw(upstream, "tag", "v0.1.0")
        clean_scratch.raw(upstream, "push", "--quiet", "origin", "v0.1.0")

    refused = _refused(clean_scratch, out)

    assert refused.code == ExitCode.REFUSED
    assert refused.message == "refusing to release v0.1.0: the tag exists already"


def _uv_failing_at_version(tmp_path: Path) -> Tools:
    """uv whose ``uv version`` writes pyproject.toml and then fails (a lock it cannot update)."""
    script = tmp_path / "uv-failing-at-version"
    script.write_text(
        f'#!/bin/sh\nif [ "$1" = version ]; then\n  {uv_command()} "$@" >/dev/null 2>&1\n'
        '  echo "error: the lock cannot be updated" >&2\n  exit 2\nfi\n'
        f'exec {uv_command()} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return Tools(str(script), TODAY)


def _stopped_at_uv_version(scratch: Scratch, out: Captured, tools: Tools, tag: str) -> None:
    with pytest.raises(WorkflowError) as stopped:
        release(_git(scratch), out.reporter, tools)
    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message == (
        f"uv version {tag[1:]} failed: error: the lock cannot be updated"
    )
    assert stopped.value.details == (
        "fix it, then invoke continue; or undo the release: invoke abort",
    )
    operation = load_operation(scratch.git)
    assert operation is not None
    assert (operation.step, operation.tag) == ("commit", tag)


def test_a_failed_uv_version_stops_before_the_commit_and_abort_puts_the_files_back(
    clean_scratch: Scratch, out: Captured, tmp_path: Path
) -> None:
    _on_main(clean_scratch, "feat(core): add the package")
    _released(clean_scratch, out)
    head = clean_scratch.commit_file("fix.txt", "fix\n", "fix(core): handle an empty input")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")
    committed = {
        name: (clean_scratch.root / name).read_bytes()
        for name in ("CHANGELOG.md", "pyproject.toml")
    }

    _stopped_at_uv_version(clean_scratch, out, _uv_failing_at_version(tmp_path), "v0.1.1")
    pyproject = (clean_scratch.root / "pyproject.toml").read_text(encoding="utf-8")
    changelog = (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    abort_operation(_git(clean_scratch), out.reporter)

    assert 'version = "0.1.1"' in pyproject
    assert "## v0.1.1 (2026-12-06)" in changelog
    assert {name: (clean_scratch.root / name).read_bytes() for name in committed} == committed
    assert not (clean_scratch.root / "uv.lock").exists()
    assert clean_scratch.clone_git("status", "--porcelain", "--untracked-files=no") == ""
    assert sorted(path.name for path in (clean_scratch.root / "dist").iterdir()) == [
        "scratchpkg-0.1.0-py3-none-any.whl",
        "scratchpkg-0.1.0.tar.gz",
    ]
    assert clean_scratch.rev("main") == head
    assert clean_scratch.clone_git("tag", "--list") == "v0.1.0"
    assert out.out.endswith(
        f"Release v0.1.1 aborted; main is back at {head[:10]} and the tag is gone.\n"
    )
    assert load_operation(clean_scratch.git) is None


def test_continue_refuses_once_the_commits_no_longer_call_for_the_version(
    clean_scratch: Scratch, out: Captured, tmp_path: Path
) -> None:
    """Tagged by hand meanwhile: nothing is left to release; abort keeps that tag."""
    head = _on_main(clean_scratch, "feat(core): add the package")
    _stopped_at_uv_version(clean_scratch, out, _uv_failing_at_version(tmp_path), "v0.1.0")
    clean_scratch.clone_git("tag", "v0.1.0")

    with pytest.raises(WorkflowError) as refused:
        continue_operation(_git(clean_scratch), out.reporter, tools=_tools())
    abort_operation(_git(clean_scratch), out.reporter)

    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message == "the commits no longer call for v0.1.0; invoke abort"
    assert clean_scratch.rev("v0.1.0") == head
    assert not (clean_scratch.root / "CHANGELOG.md").exists()
    assert clean_scratch.clone_git("status", "--porcelain") == ""
    assert load_operation(clean_scratch.git) is None


def test_a_release_cut_short_after_its_commit_and_tag_makes_neither_again(
    clean_scratch: Scratch, out: Captured
) -> None:
    """Killed before the step after the commit was recorded: continue redoes the commit and
    tag steps, which find their work done."""
    before = _release_stopped_at_the_push(clean_scratch, out)
    operation = load_operation(clean_scratch.git)
    assert operation is not None
    save_operation(clean_scratch.git, replace(operation, step="commit"))
    released = clean_scratch.rev("main")
    shown = len(out.out)

    continue_operation(_git(clean_scratch), out.reporter, tools=_tools())

    assert clean_scratch.rev("main") == released
    assert clean_scratch.clone_git("rev-parse", "main^") == before
    assert clean_scratch.origin_rev("refs/heads/main") == released
    assert _origin_tag(clean_scratch, "v0.1.0") == released
    assert out.out[shown:] == (
        "Built scratchpkg-0.1.0-py3-none-any.whl, scratchpkg-0.1.0.tar.gz twice, byte for byte "
        "the same (in dist/).\nPushed main and v0.1.0 to origin together.\nReleased v0.1.0.\n"
    )


def test_continue_and_abort_leave_a_main_that_moved_after_the_release_commit(
    clean_scratch: Scratch, out: Captured
) -> None:
    _release_stopped_at_the_push(clean_scratch, out)
    tagged = clean_scratch.rev("v0.1.0")
    moved = clean_scratch.commit_file("late.txt", "late\n", "docs: add a late note")

    refusals: list[tuple[ExitCode, str]] = []
    for resume in (continue_operation, abort_operation):
        with pytest.raises(WorkflowError) as refused:
            resume(_git(clean_scratch), out.reporter)
        refusals.append((refused.value.code, refused.value.message))

    expected = f"main moved since the release of v0.1.0 started (now {moved[:10]}); left as it is"
    assert refusals == [(ExitCode.REFUSED, expected)] * 2
    assert clean_scratch.rev("main") == moved
    assert clean_scratch.rev("v0.1.0") == tagged
    assert load_operation(clean_scratch.git) is not None


def test_abort_from_another_branch_moves_main_back_and_keeps_other_files_of_dist(
    clean_scratch: Scratch, out: Captured
) -> None:
    before = _release_stopped_at_the_push(clean_scratch, out)
    released = clean_scratch.rev("main")
    clean_scratch.clone_git("switch", "--quiet", "-c", "feat/other-work")
    notes = clean_scratch.write("dist/scratchpkg-0.1.0-notes.txt", "mine\n")

    abort_operation(_git(clean_scratch), out.reporter)

    assert clean_scratch.rev("main") == before
    assert clean_scratch.branch() == "feat/other-work"
    assert clean_scratch.rev("HEAD") == released
    assert clean_scratch.clone_git("tag", "--list") == ""
    assert [path.name for path in notes.parent.iterdir()] == [notes.name]
    assert load_operation(clean_scratch.git) is None


def _released_by_hand(scratch: Scratch) -> tuple[Operation, str]:
    """main: the seed, then the release commit of v0.1.0 and its tag, made with plain git; the
    release's record stands at its push step (origin holds neither). Returns it and the
    commit."""
    before = scratch.rev("main")
    assert before is not None
    commit = scratch.commit_file("CHANGELOG.md", "# v0.1.0\n", "chore(release): v0.1.0")
    scratch.clone_git("tag", "--annotate", "-m", "Release v0.1.0", "v0.1.0")
    operation = Operation("release", "main", "push", before, before, "v0.1.0")
    save_operation(scratch.git, operation)
    return operation, commit


def test_abort_stops_while_the_tags_of_the_remote_cannot_be_read(
    clean_scratch: Scratch, out: Captured
) -> None:
    """Without origin nobody knows whether the release landed there: nothing is undone."""
    operation, released = _released_by_hand(clean_scratch)
    clean_scratch.clone_git("remote", "remove", "origin")

    with pytest.raises(WorkflowError) as stopped:
        abort_release(clean_scratch.git, out.reporter, operation, "origin")

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message == (
        "cannot read the tags of origin: fatal: 'origin' does not appear to be a git repository"
    )
    assert stopped.value.details == ("retry once it is reachable",)
    assert clean_scratch.rev("main") == clean_scratch.rev("v0.1.0") == released
    assert load_operation(clean_scratch.git) == operation


@pytest.mark.parametrize("taken_over", ["staged", "on another branch"])
def test_abort_before_the_commit_keeps_a_changelog_taken_over(
    clean_scratch: Scratch, out: Captured, tmp_path: Path, taken_over: str
) -> None:
    """The changelog a stopped first release wrote, once staged or carried to another branch,
    is the user's: abort leaves it."""
    head = _on_main(clean_scratch, "feat(core): add the package")
    _stopped_at_uv_version(clean_scratch, out, _uv_failing_at_version(tmp_path), "v0.1.0")
    changelog = (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    if taken_over == "staged":
        clean_scratch.clone_git("add", "CHANGELOG.md")
    else:
        clean_scratch.clone_git("switch", "--quiet", "-c", "feat/other-work")

    abort_operation(_git(clean_scratch), out.reporter)

    assert (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8") == changelog
    assert clean_scratch.rev("main") == head
    assert load_operation(clean_scratch.git) is None


def test_the_tools_of_a_release_are_an_immutable_value() -> None:
    tools = Tools("uv", TODAY)

    with pytest.raises(dataclasses.FrozenInstanceError):
        tools.uv = None  # type: ignore[misc]
    assert {tools, Tools("uv", TODAY)} == {tools}


def test_a_release_plan_is_an_immutable_value() -> None:
    plan = ReleasePlan("v0.2.0", "v0.1.0", 3, "## v0.2.0\n")

    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.tag = "v9.9.9"  # type: ignore[misc]
    assert {plan, ReleasePlan("v0.2.0", "v0.1.0", 3, "## v0.2.0\n")} == {plan}


def _feat_after_v0_1_0(scratch: Scratch, changelog: str) -> Operation:
    """main: the seed tagged v0.1.0, then one feature commit that also adds ``changelog``
    (plain git); returns the release of v0.2.0 starting there, at its first step."""
    scratch.clone_git("tag", "v0.1.0")
    scratch.stage("CHANGELOG.md", changelog)
    scratch.stage("notes.txt", "note\n")
    scratch.clone_git("commit", "--quiet", "-m", "feat(core): add a note")
    head = scratch.clone_git("rev-parse", "HEAD")
    return Operation("release", "main", "commit", head, head, "v0.2.0")


def _failing_uv(scratch: Scratch) -> str:
    uv = scratch.base / "failing-uv"
    uv.write_text("#!/bin/sh\necho 'uv is offline' >&2\nexit 2\n", encoding="utf-8")
    uv.chmod(0o755)
    return str(uv)


def test_the_new_section_goes_above_the_changelog_the_release_started_from(
    clean_scratch: Scratch, out: Captured
) -> None:
    old = "# Changelog\n\n## v0.1.0 (2026-01-02)\n\n- the first release\n"
    operation = _feat_after_v0_1_0(clean_scratch, old)

    with pytest.raises(WorkflowError) as caught:
        run_release_steps(
            clean_scratch.git,
            out.reporter,
            operation,
            Tools(_failing_uv(clean_scratch), TODAY),
            "origin",
        )

    assert caught.value.code == ExitCode.STOPPED
    assert caught.value.message == "uv version 0.2.0 failed: uv is offline"
    changelog = (clean_scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n\n## v0.2.0 (2026-12-06)\n")
    assert changelog.endswith("\n## v0.1.0 (2026-01-02)\n\n- the first release\n")


def test_a_record_with_an_unknown_step_resumes_from_the_first_step(
    clean_scratch: Scratch, out: Captured
) -> None:
    operation = replace(_feat_after_v0_1_0(clean_scratch, "# Changelog\n"), step="verify")

    with pytest.raises(WorkflowError) as caught:
        run_release_steps(clean_scratch.git, out.reporter, operation, Tools(None, TODAY), "origin")

    assert caught.value.message == (
        "uv is not on PATH: a release sets the version and builds with it"
    )
    assert load_operation(clean_scratch.git) == replace(operation, step="commit")


def test_abort_is_refused_once_origin_main_holds_the_release_commit_without_its_tag(
    clean_scratch: Scratch, out: Captured
) -> None:
    before = clean_scratch.rev("main")
    assert before is not None
    commit = clean_scratch.commit_file("CHANGELOG.md", "# v0.1.0\n", "chore(release): v0.1.0")
    clean_scratch.clone_git("push", "--quiet", "origin", "main")
    operation = Operation("release", "main", "push", before, before, "v0.1.0")
    save_operation(clean_scratch.git, operation)

    with pytest.raises(WorkflowError) as refused:
        abort_operation(clean_scratch.git, out.reporter)

    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message == (
        "cannot abort: origin already holds v0.1.0; finish the release with invoke continue"
    )
    assert clean_scratch.rev("main") == commit
    assert load_operation(clean_scratch.git) is not None


def test_a_release_resumed_at_its_push_step_pushes_without_building_again(
    clean_scratch: Scratch, out: Captured
) -> None:
    operation, commit = _released_by_hand(clean_scratch)

    continue_release(clean_scratch.git, out.reporter, operation, Tools(None, TODAY), "origin")

    assert clean_scratch.origin_rev("refs/heads/main") == commit
    assert _origin_tag(clean_scratch, "v0.1.0") == commit
    assert out.out == "Pushed main and v0.1.0 to origin together.\nReleased v0.1.0.\n"
    assert load_operation(clean_scratch.git) is None


def test_abort_on_main_moves_it_back_and_deletes_only_the_artifacts_of_the_release(
    clean_scratch: Scratch, out: Captured
) -> None:
    operation, _ = _released_by_hand(clean_scratch)
    dist = clean_scratch.root / "dist"
    dist.mkdir()
    kept = ["scratchpkg-0.0.9.tar.gz", "scratchpkg-0.1.0-notes.txt"]
    for name in [*kept, "scratchpkg-0.1.0-py3-none-any.whl", "scratchpkg-0.1.0.tar.gz"]:
        (dist / name).write_text(name, encoding="utf-8")

    abort_release(clean_scratch.git, out.reporter, operation, "origin")

    assert clean_scratch.rev("main") == operation.head_before
    assert clean_scratch.clone_git("status", "--porcelain", "--untracked-files=no") == ""
    assert not (clean_scratch.root / "CHANGELOG.md").exists()
    assert clean_scratch.clone_git("tag", "--list") == ""
    assert sorted(path.name for path in dist.iterdir()) == kept
    assert out.out == (
        f"Release v0.1.0 aborted; main is back at {operation.head_before[:10]} and the tag is "
        "gone.\n"
    )
    assert load_operation(clean_scratch.git) is None


@pytest.mark.parametrize("moved", ["another subject", "another parent"])
def test_abort_leaves_a_main_whose_tip_is_not_the_release_commit_on_its_start(
    clean_scratch: Scratch, out: Captured, moved: str
) -> None:
    """The release stopped before its commit; then main got a commit of someone else's, or a
    release commit on top of another commit: neither is the release's to undo."""
    before = clean_scratch.rev("main")
    assert before is not None
    operation = Operation("release", "main", "commit", before, before, "v0.1.0")
    save_operation(clean_scratch.git, operation)
    tip = clean_scratch.commit_file("notes.txt", "mine\n", "docs: add my notes")
    if moved == "another parent":
        tip = clean_scratch.commit_file("CHANGELOG.md", "# v0.1.0\n", "chore(release): v0.1.0")

    with pytest.raises(WorkflowError) as refused:
        abort_release(clean_scratch.git, out.reporter, operation, "origin")

    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message == (
        f"main moved since the release of v0.1.0 started (now {tip[:10]}); left as it is"
    )
    assert clean_scratch.rev("main") == tip
    assert load_operation(clean_scratch.git) == operation


def _uv_showing_its_arguments(scratch: Scratch) -> str:
    uv = scratch.base / "uv-showing-its-arguments"
    uv.write_text('#!/bin/sh\necho "error: called with $*" >&2\nexit 2\n', encoding="utf-8")
    uv.chmod(0o755)
    return str(uv)


@pytest.mark.parametrize(
    ("locked", "option"), [(True, "--no-sync"), (False, "--frozen")], ids=["locked", "unlocked"]
)
def test_uv_version_updates_a_lock_there_is_without_syncing_and_creates_none(
    clean_scratch: Scratch, out: Captured, locked: bool, option: str
) -> None:
    operation = _feat_after_v0_1_0(clean_scratch, "# Changelog\n")
    if locked:
        clean_scratch.write("uv.lock", "version = 1\n")
    tools = Tools(_uv_showing_its_arguments(clean_scratch), TODAY)

    with pytest.raises(WorkflowError) as stopped:
        run_release_steps(clean_scratch.git, out.reporter, operation, tools, "origin")

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message == (
        f"uv version 0.2.0 failed: error: called with version 0.2.0 {option}"
    )
