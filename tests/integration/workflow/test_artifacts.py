"""Reproducible artifacts: a commit built twice, compared byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.git_env import isolated_git_env
from tests.fixtures.workflow.package import project_files, uv_command, uv_env
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.repo.artifacts import build_twice
from tools.workflow.repo.git import Git

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.integration

NEXT = ["then continue"]
WOBBLY_BACKEND = """import gzip
import os
import tarfile
import zipfile

BASE = "wobbly-0.1.0"


def build_sdist(sdist_directory, config_settings=None):
    path = os.path.join(sdist_directory, BASE + ".tar.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as raw, tarfile.open(fileobj=raw, mode="w") as sdist:
        for name in ("pyproject.toml", "backend.py", "PKG-INFO"):
            sdist.add(name, arcname=f"{BASE}/{name}")
    return BASE + ".tar.gz"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = BASE + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        wheel.writestr("wobbly/noise.bin", os.urandom(16))
    return name
"""
WOBBLY_PYPROJECT = """[project]
name = "wobbly"
version = "0.1.0"

[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]
"""


def _commit(scratch: Scratch, files: dict[str, str]) -> Git:
    for relative, text in files.items():
        scratch.stage(relative, text)
    scratch.clone_git("commit", "--quiet", "-m", "build: add the project")
    return Git(scratch.root, {**scratch.env, **uv_env(scratch.base)})


def test_a_reproducible_build_lands_in_the_output_directory(
    clean_scratch: Scratch, tmp_path: Path
) -> None:
    git = _commit(clean_scratch, project_files("0.3.0"))

    names = build_twice(git, uv_command(), "HEAD", tmp_path / "dist", NEXT)

    assert names == ["scratchpkg-0.3.0-py3-none-any.whl", "scratchpkg-0.3.0.tar.gz"]
    assert sorted(path.name for path in (tmp_path / "dist").iterdir()) == names


def test_two_builds_that_differ_are_refused_and_nothing_is_kept(
    clean_scratch: Scratch, tmp_path: Path
) -> None:
    files = {
        "pyproject.toml": WOBBLY_PYPROJECT,
        "backend.py": WOBBLY_BACKEND,
        "PKG-INFO": "Metadata-Version: 2.1\nName: wobbly\nVersion: 0.1.0\n",
    }
    git = _commit(clean_scratch, files)
    head = clean_scratch.rev("HEAD")

    with pytest.raises(WorkflowError) as refused:
        build_twice(git, uv_command(), str(head), tmp_path / "dist", NEXT)

    assert refused.value.code == ExitCode.STOPPED
    assert refused.value.message == (
        f"the build of {head} is not reproducible: two builds differ in "
        "wobbly-0.1.0-py3-none-any.whl"
    )
    assert refused.value.details == ("then continue",)
    assert not (tmp_path / "dist").exists()


def test_a_failed_build_names_the_cause(clean_scratch: Scratch, tmp_path: Path) -> None:
    git = _commit(clean_scratch, {"pyproject.toml": "[project\n"})

    with pytest.raises(WorkflowError) as stopped:
        build_twice(git, uv_command(), "HEAD", tmp_path / "dist", NEXT)

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message.startswith("building HEAD failed: ")


def test_a_commit_whose_files_cannot_be_extracted_is_never_built(
    clean_scratch: Scratch, tmp_path: Path
) -> None:
    """A name longer than the file system takes (committed through the index alone): the
    extraction fails, and uv is not run on what was left."""
    git = _commit(clean_scratch, project_files("0.3.0"))
    blob = clean_scratch.clone_git("rev-parse", "HEAD:pyproject.toml")
    long_name = f"docs/{'x' * 300}.md"
    clean_scratch.clone_git("update-index", "--add", "--cacheinfo", f"100644,{blob},{long_name}")
    clean_scratch.clone_git("commit", "--quiet", "-m", "docs: add a long name")
    called = tmp_path / "uv-called"
    uv = tmp_path / "uv"
    uv.write_text(f'#!/bin/sh\ntouch {called}\nexec {uv_command()} "$@"\n', encoding="utf-8")
    uv.chmod(0o755)

    with pytest.raises(WorkflowError) as stopped:
        build_twice(git, str(uv), "HEAD", tmp_path / "dist", NEXT)

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message.startswith("building HEAD failed: tar: ")
    assert stopped.value.details == ("then continue",)
    assert not called.exists()
    assert not (tmp_path / "dist").exists()


def _repo(tmp_path: Path) -> Git:
    """A one-commit repository whose git calls ignore the user's and system's config."""
    env = isolated_git_env()
    git = Git(tmp_path / "repo", env)
    git.root.mkdir()
    git.run("init", "--quiet", "--initial-branch", "main")
    (git.root / "README.md").write_text("readme\n", encoding="utf-8")
    git.run("add", "README.md")
    git.run("commit", "--quiet", "-m", "docs: start")
    return git


def _fake_uv(tmp_path: Path, body: str) -> str:
    """A stand-in for ``uv build --quiet --out-dir <out> <source>``: runs ``body`` with ``$out``
    set and ``$side`` naming the build (``a``, then ``b``)."""
    uv = tmp_path / "fake-uv"
    uv.write_text(
        '#!/bin/sh\nout="$4"\nmkdir -p "$out"\n'
        'case "$out" in */a/out) side=a ;; *) side=b ;; esac\n' + body,
        encoding="utf-8",
    )
    uv.chmod(0o755)
    return str(uv)


SAME_PAIR = 'echo wheel > "$out/pkg-1.0-py3-none-any.whl"\necho sdist > "$out/pkg-1.0.tar.gz"\n'


def test_artifacts_only_one_build_made_are_named_and_nothing_is_kept(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    uv = _fake_uv(tmp_path, SAME_PAIR + 'echo x > "$out/only-$side.tar.gz"\n')

    with pytest.raises(WorkflowError) as refused:
        build_twice(git, uv, "main", tmp_path / "dist", NEXT)

    assert refused.value.code == ExitCode.STOPPED
    assert refused.value.message == (
        "the build of main is not reproducible: two builds differ in only-a.tar.gz, only-b.tar.gz"
    )
    assert not (tmp_path / "dist").exists()


def test_only_the_artifacts_whose_bytes_differ_are_named(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    uv = _fake_uv(
        tmp_path, 'echo "$side" > "$out/pkg-1.0-py3-none-any.whl"\necho s > "$out/pkg-1.0.tar.gz"\n'
    )

    with pytest.raises(WorkflowError) as refused:
        build_twice(git, uv, "main", tmp_path / "dist", NEXT)

    assert refused.value.message == (
        "the build of main is not reproducible: two builds differ in pkg-1.0-py3-none-any.whl"
    )


def test_a_build_without_artifacts_is_refused(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    uv = _fake_uv(tmp_path, 'echo log > "$out/build.log"\n')

    with pytest.raises(WorkflowError) as refused:
        build_twice(git, uv, "main", tmp_path / "dist", NEXT)

    assert refused.value.message == (
        "the build of main is not reproducible: two builds differ in "
        "nothing (no artifact was built)"
    )


def test_identical_builds_are_copied_into_a_new_nested_directory(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    uv = _fake_uv(tmp_path, SAME_PAIR + 'echo "$side" > "$out/build.log"\n')
    out = tmp_path / "release" / "dist"

    names = build_twice(git, uv, "main", out, NEXT)

    assert names == ["pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz"]
    assert {path.name: path.read_text() for path in out.iterdir()} == {
        "pkg-1.0-py3-none-any.whl": "wheel\n",
        "pkg-1.0.tar.gz": "sdist\n",
    }


def test_an_existing_output_directory_keeps_what_it_held(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    uv = _fake_uv(tmp_path, SAME_PAIR)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "older.whl").write_text("older\n")

    names = build_twice(git, uv, "main", out, NEXT)

    assert names == ["pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz"]
    assert sorted(path.name for path in out.iterdir()) == ["older.whl", *names]
    assert (out / "older.whl").read_text() == "older\n"
