"""``report`` reads metrics as untrusted numbers: odd values are one line, never a traceback or
a silently wrong table (issue 19)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression


def write_metrics(run_dir: Path, *lines: str) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "metrics.jsonl").write_text("".join(line + "\n" for line in lines))


def evaluation(iteration: str, val_loss: str) -> str:
    numbers = f'"iter": {iteration}, "train_loss": 1.5, "val_loss": {val_loss}, "lr": 0.001'
    return f'{{"kind": "eval", {numbers}}}'


def test_a_nan_val_loss_does_not_hide_the_best_row(cli: RunCli, tmp_path: Path) -> None:
    """What broke: with a NaN ``val_loss`` first, no row was marked best."""
    write_metrics(tmp_path / "run", evaluation("3", "NaN"), evaluation("6", "2.0"))

    code, out, err = cli("report", "--run-dir", str(tmp_path / "run"))

    assert code == 0, err
    assert [line.endswith(" *") for line in out.splitlines()] == [False, False, True]


@pytest.mark.parametrize("iteration", ["NaN", "Infinity", "1e308", "3.5", "-1"])
def test_an_iteration_that_is_not_a_count_is_one_line(
    cli: RunCli, tmp_path: Path, iteration: str
) -> None:
    """What broke: a NaN or infinite ``iter`` gave a ``ValueError``/``OverflowError`` traceback."""
    write_metrics(tmp_path / "run", evaluation(iteration, "2.0"))

    code, _, err = cli("report", "--run-dir", str(tmp_path / "run"))

    assert code == 1
    assert err.startswith(f"ml-playground: error: {tmp_path / 'run' / 'metrics.jsonl'}: line 1 is")
    assert err.count("\n") == 1


def test_values_near_the_float_limit_are_one_line(cli: RunCli, tmp_path: Path) -> None:
    """What broke: losses near 1e308 made matplotlib fail with a traceback."""
    write_metrics(tmp_path / "run", evaluation("1", "1e308"), evaluation("2", "-1e308"))

    code, _, err = cli("report", "--run-dir", str(tmp_path / "run"))

    assert code == 1
    assert re.fullmatch(
        r"ml-playground: error: cannot draw the report: matplotlib cannot plot these values"
        r" \([^\n]+\)\n",
        err,
    )
    assert not (tmp_path / "run" / "report.png").exists()


def test_a_bad_mplbackend_is_one_line(tmp_path: Path) -> None:
    """What broke: ``MPLBACKEND=nonsense`` gave matplotlib's ``ValueError`` traceback (matplotlib
    reads it on its first import, so the report runs in a fresh process)."""
    write_metrics(tmp_path / "run", evaluation("1", "2.0"))
    result = subprocess.run(
        [sys.executable, "-m", "ml_playground.cli", "report", "--run-dir", str(tmp_path / "run")],
        env={**os.environ, "MPLBACKEND": "nonsense"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stderr) == (
        2,
        "ml-playground: error: MPLBACKEND: expected a matplotlib backend such as agg, got"
        " 'nonsense'\n",
    )
