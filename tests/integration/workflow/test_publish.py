"""A release published to a package index on 127.0.0.1, installed from it and run: the real
``invoke release``, ``uv publish`` and ``uv pip install`` into a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.workflow.package import NAME, project_files, uv_command, uv_env

if TYPE_CHECKING:
    from tests.fixtures.workflow.index import PackageIndex
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.integration


def _run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


def test_a_release_is_published_and_installed_from_the_index(
    clean_scratch: Scratch, package_index: PackageIndex, tmp_path: Path
) -> None:
    scratch = clean_scratch
    for relative, text in project_files("0.1.0").items():
        scratch.stage(relative, text)
    scratch.clone_git("commit", "--quiet", "-m", "feat(core): add the package")
    scratch.clone_git("push", "--quiet", "origin", "main")
    offline = uv_env(scratch.base)
    released = scratch.invoke("release", extra_env=offline)
    assert released.returncode == 0, released.stderr
    uv, env = uv_command(), {**scratch.env, **offline}
    del env["UV_OFFLINE"]  # the index on 127.0.0.1 is the only one named
    artifacts = sorted(str(path) for path in (scratch.root / "dist").iterdir())
    publish_url = f"{package_index.url}/legacy/"
    credentials = ["--username", "test", "--password", "test"]
    _run([uv, "publish", "--publish-url", publish_url, *credentials, *artifacts], env, tmp_path)
    venv = tmp_path / "venv"
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], env, tmp_path)

    index_url = f"{package_index.url}/simple/"
    python = str(venv / "bin" / "python")
    _run(
        [uv, "pip", "install", "--python", python, "--index-url", index_url, f"{NAME}==0.1.0"],
        env,
        tmp_path,
    )
    shown = _run([str(venv / "bin" / NAME), "--version"], env, tmp_path)

    assert package_index.files() == [f"{NAME}-0.1.0-py3-none-any.whl", f"{NAME}-0.1.0.tar.gz"]
    assert shown == f"{NAME} 0.1.0\n"
