"""Whatever an experiment file or override holds, prepare, train and sample end with exit 0, 1
or 2 and at most one error line: never a traceback.

The examples start from a tiny valid experiment and break up to two keys with NaN,
infinities, huge and negative numbers, wrong types, unknown keys, invalid JSON or bytes that
are not UTF-8. ``ML_PLAYGROUND_PROPERTY_EXAMPLES`` sets how many (default 40, a few seconds).
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import tempfile
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ml_playground.cli import main
from ml_playground.configuration.loader import SAMPLE_OVERRIDES_ENV, TRAIN_OVERRIDES_ENV
from ml_playground.configuration.models import ExperimentConfig
from tests.conftest import TINY_CORPUS

pytestmark = pytest.mark.property

EXAMPLES = int(os.environ.get("ML_PLAYGROUND_PROPERTY_EXAMPLES", "40"))

WORK_KEYS = frozenset(
    {"max_iters", "eval_iters", "grad_accum_steps", "batch_size", "num_samples", "max_new_tokens"}
)
"""Keys whose large values only mean more work: a huge one is a long run, not an error."""

NASTY: list[object] = [math.nan, math.inf, -math.inf, 1e300, -1e300, -1, 0, 0.5, 1, 3]
NASTY += [2**62, 2**63, -(2**63) - 1, 10**30, "", "x", "a\0b", True, [1], {"a": 1}]


def is_huge(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 2**62


def key_paths(cls: type[Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    hints = typing.get_type_hints(cls)
    paths: list[tuple[str, ...]] = []
    for field in dataclasses.fields(cls):
        if field.name in ("name", "source"):
            continue
        hint = hints[field.name]
        if dataclasses.is_dataclass(hint):
            paths.extend(key_paths(typing.cast(type[Any], hint), (*prefix, field.name)))
        else:
            paths.append((*prefix, field.name))
    return paths


KEYS = key_paths(ExperimentConfig)


def tiny_experiment(corpus: Path) -> dict[str, Any]:
    return {
        "prepare": {"dataset": "text", "raw_text_path": str(corpus), "data_dir": "data"},
        "train": {
            "model": {"n_layer": 1, "n_head": 2, "n_embd": 8, "block_size": 8},
            "data": {"block_size": 8, "batch_size": 2},
            "schedule": {"warmup_iters": 1, "lr_decay_iters": 4},
            "runtime": {
                "out_dir": "run",
                "max_iters": 2,
                "eval_interval": 2,
                "eval_iters": 1,
                "log_interval": 1,
                "device": "cpu",
            },
        },
        "sample": {"start": "def ", "num_samples": 1, "max_new_tokens": 4},
    }


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in typing.cast(list[object], value)) + "]"
    table = typing.cast(dict[str, object], value)
    return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in table.items()) + "}"


def toml_text(table: dict[str, Any], prefix: str = "") -> str:
    lines = [f"[{prefix}]"] if prefix else []
    nested = []
    for key, value in table.items():
        if isinstance(value, dict) and key in (
            "prepare",
            "train",
            "sample",
            "model",
            "data",
            "optim",
            "schedule",
            "runtime",
            "download",
        ):
            nested.append((key, typing.cast(dict[str, Any], value)))
        else:
            lines.append(f"{key} = {toml_value(value)}")
    text = "\n".join(lines) + "\n"
    for key, value in nested:
        text += toml_text(value, f"{prefix}.{key}" if prefix else key)
    return text


def set_path(table: dict[str, Any], path: tuple[str, ...], value: object) -> None:
    for key in path[:-1]:
        table = table.setdefault(key, {})
    table[path[-1]] = value


@st.composite
def breakages(draw: st.DrawFn) -> tuple[list[tuple[tuple[str, ...], object, str]], bytes]:
    """Up to two (key path, value, where) changes and bytes to splice into the file."""
    changes = []
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from([*KEYS, ("train", "optim", "nope"), ("sample", "nope")]))
        pool = [v for v in NASTY if not (path[-1] in WORK_KEYS and is_huge(v))]
        if path[-1] == "compile":
            pool = [v for v in pool if v is not True]
        value = draw(st.sampled_from(pool))
        where = draw(st.sampled_from(["file", "env"])) if path[0] != "prepare" else "file"
        changes.append((path, value, where))
    splice = draw(st.binary(min_size=1, max_size=4)) if draw(st.integers(0, 4)) == 0 else b""
    return changes, splice


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(argv), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


@settings(max_examples=EXAMPLES)
@given(breakages(), st.sampled_from(["prepare", "train", "sample", "loop"]))
def test_every_outcome_is_an_exit_code_and_at_most_one_error_line(
    broken: tuple[list[tuple[tuple[str, ...], object, str]], bytes], command: str
) -> None:
    changes, splice = broken
    with tempfile.TemporaryDirectory() as temp, pytest.MonkeyPatch.context() as patch:
        root = Path(temp)
        corpus = root / "corpus.txt"
        corpus.write_text(TINY_CORPUS, encoding="utf-8")
        experiment = tiny_experiment(corpus)
        overrides: dict[str, dict[str, Any]] = {"train": {}, "sample": {}}
        for path, value, where in changes:
            if where == "file":
                set_path(experiment, path, value)
            else:
                set_path(overrides[path[0]], path[1:], value)
        config = root / "exp" / "config.toml"
        config.parent.mkdir()
        text = toml_text(experiment).encode("utf-8")
        middle = len(text) // 2
        config.write_bytes(text[:middle] + splice + text[middle:])
        patch.setenv(TRAIN_OVERRIDES_ENV, json.dumps(overrides["train"]))
        patch.setenv(SAMPLE_OVERRIDES_ENV, json.dumps(overrides["sample"]))
        patch.chdir(root)

        if command in ("train", "sample"):
            run("prepare", "--exp-config", str(config))
        if command == "sample":
            run("train", "--exp-config", str(config))
        code, err = run(command, "--exp-config", str(config))

    event(f"{command}: exit {code}")
    assert code in (0, 1, 2)
    if code:
        last = err.splitlines()[-1]
        assert last.startswith("ml-playground: error: ")
        assert "Traceback" not in err
