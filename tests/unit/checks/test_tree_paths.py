"""The command line the tree checks share: missing paths stop it before the check runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.checks.tree_paths import Verdict, run_check

pytestmark = pytest.mark.unit


def test_the_first_missing_path_is_named_and_nothing_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checked: list[list[Path]] = []

    def check(paths: list[Path]) -> Verdict:
        checked.append(paths)
        return [], "failed", "passed"

    (tmp_path / "here").mkdir()
    argv = [str(tmp_path / name) for name in ("here", "first", "second")]

    assert run_check("demo", "A demo check.", argv, check) == 2
    assert capsys.readouterr().err == (
        f"demo: {(tmp_path / 'first').as_posix()}: no such file or directory\n"
    )
    assert checked == []
