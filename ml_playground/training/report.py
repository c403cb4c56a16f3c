"""What ``ml-playground report`` shows of a run: the series of ``metrics.jsonl`` and a table
of its evaluations. Pure functions over the records; the figure is drawn in ``report_plot``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ml_playground.core.errors import RunError
from ml_playground.training.run_files import parse_record

FIELDS = {"train": ("iter", "loss", "lr"), "eval": ("iter", "train_loss", "val_loss", "lr")}
"""The numbers each kind of record holds."""
EXPECTED = "; ".join(f'"kind": "{kind}" with {", ".join(keys)}' for kind, keys in FIELDS.items())

MAX_ITERATION = 2**63 - 1
"""``iter`` is a 64-bit count, as ``train.runtime.max_iters``."""

Record = dict[str, float]


@dataclass(frozen=True)
class Series:
    """x and y values of each plotted line, in the order of the records."""

    train_iters: list[float]
    train_loss: list[float]
    lr: list[float]
    eval_iters: list[float]
    eval_train_loss: list[float]
    eval_val_loss: list[float]


def _record(line: bytes) -> tuple[str, Record] | None:
    record = parse_record(line)
    if record is None:
        return None
    kind = record.get("kind")
    if kind not in FIELDS:
        return None
    numbers: Record = {}
    for key in FIELDS[str(kind)]:
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if key == "iter" and not (isinstance(value, int) and 0 <= value <= MAX_ITERATION):
            return None
        numbers[key] = float(value)
    return str(kind), numbers


def read_records(path: Path) -> list[tuple[str, Record]]:
    """The records of ``metrics.jsonl``; a last line cut short by a crash is left out."""
    try:
        *lines, _partial = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        raise RunError(f"{path} not found: run `ml-playground train` first") from None
    except OSError as exc:
        raise RunError(f"cannot read {path}: {exc.strerror or exc}") from None
    records: list[tuple[str, Record]] = []
    for number, line in enumerate(lines, start=1):
        record = _record(line)
        if record is None:
            raise RunError(
                f"{path}: line {number} is not a metrics record (expected a JSON object,"
                f" {EXPECTED} as numbers, iter a count)"
            )
        records.append(record)
    if not records:
        raise RunError(f"{path} holds no records yet: run `ml-playground train` first")
    return records


def series_of(records: list[tuple[str, Record]]) -> Series:
    train = [r for kind, r in records if kind == "train"]
    evals = [r for kind, r in records if kind == "eval"]
    return Series(
        train_iters=[r["iter"] for r in train],
        train_loss=[r["loss"] for r in train],
        lr=[r["lr"] for r in train],
        eval_iters=[r["iter"] for r in evals],
        eval_train_loss=[r["train_loss"] for r in evals],
        eval_val_loss=[r["val_loss"] for r in evals],
    )


def evaluation_table(records: list[tuple[str, Record]]) -> list[str]:
    """One line per evaluation under a header; the best val loss is marked with ``*``."""
    evals = [r for kind, r in records if kind == "eval"]
    best = min((r["val_loss"] for r in evals if not math.isnan(r["val_loss"])), default=math.nan)
    lines = [f"{'iter':>8}  {'train loss':>10}  {'val loss':>10}  {'lr':>9}"]
    for r in evals:
        mark = " *" if r["val_loss"] == best else ""
        lines.append(
            f"{int(r['iter']):>8}  {r['train_loss']:>10.4f}  {r['val_loss']:>10.4f}"
            f"  {r['lr']:>9.2e}{mark}"
        )
    return lines
