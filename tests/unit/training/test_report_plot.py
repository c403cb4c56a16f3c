"""The report's figure: drawn with matplotlib (the plot extra) at 800 x 450 pixels."""

from __future__ import annotations

import pytest

from ml_playground.training.report import Series
from ml_playground.training.report_plot import build_figure

pytestmark = pytest.mark.unit

# Imported at collection, so that a test's time is its drawing, not matplotlib's import.
pytest.importorskip("matplotlib.figure", reason="the plot extra is not installed")


def test_the_figure_is_800_by_450_pixels() -> None:
    series = Series(
        train_iters=[1.0, 2.0],
        train_loss=[4.5, 4.0],
        lr=[1e-4, 2e-4],
        eval_iters=[2.0],
        eval_train_loss=[3.9],
        eval_val_loss=[4.1],
    )
    figure = build_figure(series, "tiny")
    assert figure.canvas.get_width_height() == (800, 450)
    assert figure.get_axes()[0].get_title() == "tiny"
