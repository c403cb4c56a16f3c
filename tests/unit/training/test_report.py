"""The report of a run: records → series → figure → PNG, and the table of evaluations."""

from __future__ import annotations

import dataclasses
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml_playground.core.errors import RunError
from ml_playground.training.report import evaluation_table, read_records, series_of

pytestmark = pytest.mark.unit

RECORDS = [
    {"kind": "train", "iter": 1, "loss": 4.5, "lr": 1e-4},
    {"kind": "train", "iter": 2, "loss": 4.0, "lr": 2e-4},
    {"kind": "eval", "iter": 2, "train_loss": 3.9, "val_loss": 4.1, "lr": 2e-4},
    {"kind": "train", "iter": 3, "loss": 3.5, "lr": 3e-4},
    {"kind": "train", "iter": 4, "loss": 3.0, "lr": 2.5e-4},
    {"kind": "eval", "iter": 4, "train_loss": 2.9, "val_loss": 3.2, "lr": 2.5e-4},
]


def metrics(tmp_path: Path, records: list[dict[str, object]], tail: bytes = b"") -> Path:
    path = tmp_path / "metrics.jsonl"
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + tail)
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert (length, chunk) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def test_the_series_are_the_records_in_their_order(tmp_path: Path) -> None:
    records = read_records(metrics(tmp_path, RECORDS, tail=b'{"kind": "tr'))
    series = series_of(records)
    assert series.train_iters == [1, 2, 3, 4]
    assert series.train_loss == [4.5, 4.0, 3.5, 3.0]
    assert series.lr == [1e-4, 2e-4, 3e-4, 2.5e-4]
    assert series.eval_iters == [2, 4]
    assert series.eval_train_loss == [3.9, 2.9]
    assert series.eval_val_loss == [4.1, 3.2]


def test_iter_may_be_any_64_bit_count_from_zero(tmp_path: Path) -> None:
    largest = 2**63 - 1
    path = metrics(
        tmp_path,
        [
            {"kind": "train", "iter": 0, "loss": 4.5, "lr": 0.0},
            {"kind": "eval", "iter": largest, "train_loss": 3.9, "val_loss": 4.1, "lr": 0.0},
        ],
    )
    series = series_of(read_records(path))
    assert (series.train_iters, series.eval_iters) == ([0.0], [float(largest)])


def test_a_series_cannot_be_changed_after_it_is_made(tmp_path: Path) -> None:
    series = series_of(read_records(metrics(tmp_path, RECORDS)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(series, "lr", [])  # noqa: B010 (a plain assignment is a type error)
    assert series.lr == [1e-4, 2e-4, 3e-4, 2.5e-4]


def test_the_table_lists_every_evaluation_and_marks_the_best(tmp_path: Path) -> None:
    assert evaluation_table(read_records(metrics(tmp_path, RECORDS))) == [
        "    iter  train loss    val loss         lr",
        "       2      3.9000      4.1000   2.00e-04",
        "       4      2.9000      3.2000   2.50e-04 *",
    ]
    assert evaluation_table(read_records(metrics(tmp_path, RECORDS[:2]))) == [
        "    iter  train loss    val loss         lr"
    ]


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1]",
        b'{"kind": "test", "iter": 1}',
        b'{"kind": "train", "iter": 1, "loss": 4.5}',
        b'{"kind": "train", "iter": true, "loss": 4.5, "lr": 0.1}',
        b'{"kind": "train", "iter": -1, "loss": 4.5, "lr": 0.1}',
        b'{"kind": "train", "iter": 1.0, "loss": 4.5, "lr": 0.1}',
        b'{"kind": "train", "iter": 9223372036854775808, "loss": 4.5, "lr": 0.1}',
        b'{"kind": "eval", "iter": 1, "train_loss": "x", "val_loss": 1, "lr": 0.1}',
    ],
)
def test_a_line_that_is_not_a_record_is_named(tmp_path: Path, line: bytes) -> None:
    path = metrics(tmp_path, RECORDS[:1], tail=line + b"\n")
    with pytest.raises(RunError) as raised:
        read_records(path)
    assert str(raised.value) == (
        f"{path}: line 2 is not a metrics record (expected a JSON object,"
        ' "kind": "train" with iter, loss, lr; "kind": "eval" with iter, train_loss, val_loss,'
        " lr as numbers, iter a count)"
    )


def test_a_run_without_metrics_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(RunError, match=r"metrics\.jsonl not found: run `ml-playground train`"):
        read_records(tmp_path / "metrics.jsonl")
    empty = metrics(tmp_path, [])
    with pytest.raises(RunError, match=r"holds no records yet: run `ml-playground train` first$"):
        read_records(empty)
    with pytest.raises(RunError, match=r"^cannot read .*: Is a directory$"):
        read_records(tmp_path)


def test_the_figure_draws_the_series_and_the_png_has_its_size(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from ml_playground.training.report_plot import build_figure, write_png

    series = series_of(read_records(metrics(tmp_path, RECORDS)))
    figure = build_figure(series, "tiny")
    loss_axis, lr_axis = figure.get_axes()
    drawn = {str(line.get_label()): line.get_data() for line in loss_axis.get_lines()}
    drawn |= {str(line.get_label()): line.get_data() for line in lr_axis.get_lines()}
    assert {
        label: (np.asarray(x).tolist(), np.asarray(y).tolist()) for label, (x, y) in drawn.items()
    } == {
        "train loss": (series.train_iters, series.train_loss),
        "eval train loss": (series.eval_iters, series.eval_train_loss),
        "eval val loss": (series.eval_iters, series.eval_val_loss),
        "lr": (series.train_iters, series.lr),
    }
    assert loss_axis.get_title() == "tiny"
    write_png(figure, tmp_path / "report.png")
    assert png_size((tmp_path / "report.png").read_bytes()) == (800, 450)
    with pytest.raises(RunError, match=r"^cannot write .*report\.png/x\.png: File exists$"):
        write_png(figure, tmp_path / "report.png" / "x.png")


def test_without_matplotlib_the_report_is_one_usage_line(tmp_path: Path) -> None:
    metrics(tmp_path, RECORDS)
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"  # as if the plot extra were not installed
        "from ml_playground.cli import main\n"
        f"raise SystemExit(main(['report', '--run-dir', {str(tmp_path)!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "ml-playground: error: ml-playground report needs matplotlib, which is not installed:"
        " install the plot extra (pip install 'ml-playground[plot]', or uv sync --extra plot)\n"
    )
    assert not (tmp_path / "report.png").exists()
