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
    epoch = git.output("log", "-1", "--format=%ct", rev)
    env = {**git.env, "SOURCE_DATE_EPOCH": epoch}
    with tempfile.TemporaryDirectory(prefix="artifacts-") as scratch:
        builds = [_build(git, uv, rev, Path(scratch) / name, env, next_steps) for name in "ab"]
        names = [
            sorted(path.name for path in build.iterdir() if path.name.endswith(ARTIFACTS))
            for build in builds
        ]
        differing = sorted(
            set(names[0]).symmetric_difference(names[1])
            | {
                name
                for name in set(names[0]) & set(names[1])
                if (builds[0] / name).read_bytes() != (builds[1] / name).read_bytes()
            }
        )
        if differing or not names[0]:
            raise WorkflowError(
                ExitCode.STOPPED,
                f"the build of {rev} is not reproducible: two builds differ in "
                f"{', '.join(differing) or 'nothing (no artifact was built)'}",
                tuple(next_steps),
            )
        out.mkdir(parents=True, exist_ok=True)
        for name in names[0]:
            shutil.copyfile(builds[0] / name, out / name)
    return names[0]


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
