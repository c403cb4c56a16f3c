"""Reproducible artifacts: sdist and wheel of a commit, built twice and compared byte for byte.

Each build runs ``uv build`` on a fresh ``git archive`` of the commit (so nothing outside it
takes part) with ``SOURCE_DATE_EPOCH`` set to the commit's time.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tools.process import failure_line, run
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.repo.git import Git

ARTIFACTS = (".whl", ".tar.gz")


def build_twice(git: Git, uv: str, rev: str, out: Path, next_steps: Sequence[str]) -> list[str]:
    """Build ``rev`` twice and copy the artifacts into ``out``; their names. When a build fails,
    or the two differ, nothing is copied and the error carries ``next_steps``."""
    epoch = git.output("log", "-1", "--format=%ct", rev, "--")
    env = {**git.env, "SOURCE_DATE_EPOCH": epoch}
    with tempfile.TemporaryDirectory(prefix="artifacts-") as scratch:
        first, second = [
            _build(git, uv, rev, Path(scratch) / name, env, next_steps) for name in "ab"
        ]
        names, other_names = _artifact_names(first), _artifact_names(second)
        differing = sorted(
            set(names).symmetric_difference(other_names)
            | {
                name
                for name in set(names) & set(other_names)
                if (first / name).read_bytes() != (second / name).read_bytes()
            }
        )
        if differing or not names:
            raise WorkflowError(
                ExitCode.STOPPED,
                f"the build of {rev} is not reproducible: two builds differ in "
                f"{', '.join(differing) or 'nothing (no artifact was built)'}",
                tuple(next_steps),
            )
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(first / name, out / name)
    return names


def _artifact_names(build: Path) -> list[str]:
    """The sdists and wheels in ``build``, sorted."""
    return sorted(path.name for path in build.iterdir() if path.name.endswith(ARTIFACTS))


def _build(
    git: Git, uv: str, rev: str, where: Path, env: dict[str, str], next_steps: Sequence[str]
) -> Path:
    source, out, archive = where / "source", where / "out", where / "source.tar"
    source.mkdir(parents=True)
    git.run("archive", "--format=tar", f"--output={archive}", rev)
    built = run(["tar", "-xf", str(archive), "-C", str(source)], where, env)
    if built.ok:
        built = run([uv, "build", "--quiet", "--out-dir", str(out), str(source)], where, env)
    if not built.ok:
        raise WorkflowError(
            ExitCode.STOPPED, f"building {rev} failed: {failure_line(built)}", tuple(next_steps)
        )
    return out
