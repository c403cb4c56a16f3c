"""The wheel check in process, on a wheel the test builds itself (offline, a cache of its own):
a wheel whose modules import alone and whose console script prints the version passes (as the
last word of a line of several, as click's ``--version`` prints it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_noxfile import SOURCE, project, wheel
from tools.checks.wheel import check

pytestmark = pytest.mark.integration

CLICK_STYLE = {
    **SOURCE,
    "ml_playground/cli.py": "def main() -> None:\n    print('ml-playground, version 9.8.7')\n",
}


def test_a_wheel_that_imports_alone_and_prints_its_version_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    root = project(tmp_path / "project", CLICK_STYLE)
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.setenv("UV_CACHE_DIR", str(root / ".uv-cache"))
    wheel(root / "dist", CLICK_STYLE)
    work = tmp_path / "work"
    work.mkdir()

    assert check(root / "dist", root, work) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "wheel: ml_playground-9.8.7-py3-none-any.whl: imports alone, --version 9.8.7"
    )
