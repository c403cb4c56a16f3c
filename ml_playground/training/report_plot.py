"""The loss curve of a run as a PNG, drawn with matplotlib (the optional ``plot`` extra),
which is imported only here and only when a report is drawn."""

# matplotlib's stubs leave the **kwargs of its drawing methods untyped.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ml_playground.core.atomic_files import atomic_write
from ml_playground.core.errors import RunError, UsageError
from ml_playground.training.report import Series

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE_INCHES, DPI = (8.0, 4.5), 100
"""800 x 450 pixels."""
MISSING = (
    "ml-playground report needs matplotlib, which is not installed: install the plot extra"
    " (pip install 'ml-playground[plot]', or uv sync --extra plot)"
)


def build_figure(series: Series, title: str) -> Figure:
    """Train loss (every log line) and the evaluated train and val loss against iteration on
    the left axis, the learning rate on the right one."""
    try:
        figure_module = importlib.import_module("matplotlib.figure")
    except ImportError:
        raise UsageError(MISSING) from None
    except ValueError:  # matplotlib validates its backend setting on import
        backend = os.environ.get("MPLBACKEND", "")
        raise UsageError(
            f"MPLBACKEND: expected a matplotlib backend such as agg, got {backend!r}"
        ) from None
    with _plottable():
        return _draw(
            figure_module.Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained"), series, title
        )


def _draw(figure: Figure, series: Series, title: str) -> Figure:
    loss_axis = figure.add_subplot()
    loss_axis.plot(series.train_iters, series.train_loss, label="train loss", alpha=0.6)
    loss_axis.plot(series.eval_iters, series.eval_train_loss, "o-", label="eval train loss")
    loss_axis.plot(series.eval_iters, series.eval_val_loss, "s-", label="eval val loss")
    loss_axis.set_xlabel("iteration")
    loss_axis.set_ylabel("loss (nats per token)")
    loss_axis.set_title(title)
    lr_axis = loss_axis.twinx()
    lr_axis.plot(series.train_iters, series.lr, color="grey", linestyle="--", label="lr")
    lr_axis.set_ylabel("learning rate")
    lines = loss_axis.get_lines() + lr_axis.get_lines()
    loss_axis.legend(lines, [str(line.get_label()) for line in lines], loc="upper right")
    return figure


def write_png(figure: Figure, target: Path) -> None:
    try:
        with _plottable():
            atomic_write(target, lambda handle: figure.savefig(handle, format="png", dpi=DPI))
    except OSError as exc:
        raise RunError(f"cannot write {target}: {exc.strerror or exc}") from None


@contextmanager
def _plottable() -> Generator[None]:
    """Values matplotlib cannot lay out (near 1e308) are one line, not its traceback; numpy's
    overflow warnings come before matplotlib's errors, so they count as errors too."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            yield
    except (ValueError, OverflowError, RuntimeWarning) as exc:
        raise RunError(
            f"cannot draw the report: matplotlib cannot plot these values ({exc})"
        ) from None
