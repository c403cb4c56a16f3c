"""Experiment files and overrides a user can get wrong are refused with one line and exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ml_playground.configuration.loader import (
    EXPERIMENTS_DIR,
    SAMPLE_OVERRIDES_ENV,
    list_experiments,
)
from tests.regression.conftest import RunCli, run_cli

pytestmark = pytest.mark.regression


@pytest.fixture(autouse=True)
def isolated(cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No caller's overrides (``cli``); the packaged defaults' relative paths land in tmp."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[train.optim]\nlearning_rate = inf\n",
            "train.optim.learning_rate: expected a finite number, got inf",
        ),
        (
            "[train.optim]\nlearning_rate = nan\n",
            "train.optim.learning_rate: expected a finite number, got nan",
        ),
        (
            "[prepare]\nval_fraction = nan\n",
            "prepare.val_fraction: expected a finite number, got nan",
        ),
        (
            "[train.model]\ndropout = nan\n",
            "train.model.dropout: expected a finite number, got nan",
        ),
        ("[train.optim]\nbeta1 = -nan\n", "train.optim.beta1: expected a finite number, got nan"),
        (
            "[sample]\ntemperature = -inf\n",
            "sample.temperature: expected a finite number, got -inf",
        ),
    ],
)
def test_nan_and_infinity_in_an_experiment_file_are_refused(
    tmp_path: Path, toml: str, message: str
) -> None:
    """What broke (issue 13): NaN and infinity passed validation, because every comparison
    with NaN is false. ``learning_rate = inf`` trained to "loss nan" and exited 0 with NaN
    checkpoints; ``learning_rate = nan`` and ``val_fraction = nan`` ended in tracebacks; NaN
    ``dropout`` and ``beta1`` were accepted."""
    config = tmp_path / "exp.toml"
    config.write_text(toml, encoding="utf-8")

    assert run_cli("train", "--exp-config", str(config)) == (
        2,
        "",
        f"ml-playground: error: {config}: {message}\n",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ('{"temperature": NaN}', "sample.temperature: expected a finite number, got nan"),
        ('{"top_p": NaN}', "sample.top_p: expected a finite number, got nan"),
        (json.dumps({"seed": 2**64}), f"sample.seed: expected a 64-bit integer, got {2**64}"),
    ],
)
def test_nan_and_out_of_range_sample_overrides_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: str, message: str
) -> None:
    """What broke (issue 13): ``temperature`` or ``top_p`` NaN in the sample overrides ended
    in a traceback from inside the sampler."""
    config = tmp_path / "exp.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv(SAMPLE_OVERRIDES_ENV, overrides)

    assert run_cli("sample", "--exp-config", str(config)) == (
        2,
        "",
        f"ml-playground: error: {SAMPLE_OVERRIDES_ENV}: {message}\n",
    )


def test_an_experiment_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    """What broke (issue 13): ``prepare --exp-config bad.toml`` on random bytes ended in a
    ``UnicodeDecodeError`` traceback."""
    config = tmp_path / "bad.toml"
    config.write_bytes(b"[train]\n# caf\xe9\n")

    assert run_cli("prepare", "--exp-config", str(config)) == (
        2,
        "",
        f"ml-playground: error: {config}: expected UTF-8 text, got an invalid byte at offset 13\n",
    )


@pytest.mark.parametrize("form", ["relative", "absolute", "dotted"])
def test_an_experiment_name_is_never_a_path(tmp_path: Path, form: str) -> None:
    """What broke (issue 13): experiment names like ``../../x`` or ``/abs/path`` skipped the
    "unknown experiment" check when that folder held a config.toml, and its relative paths
    then resolved against the working directory, not against the file as with --exp-config."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "config.toml").write_text("", encoding="utf-8")
    name = {
        "relative": os.path.relpath(folder, EXPERIMENTS_DIR),
        "absolute": str(folder),
        "dotted": "stdlib_char/../stdlib_char",
    }[form]

    code, out, err = run_cli("prepare", name)

    assert (code, out) == (2, "")
    assert err == (
        f"ml-playground: error: unknown experiment {name!r};"
        f" expected one of: {', '.join(list_experiments())}\n"
    )


def test_a_model_too_large_to_allocate_is_refused_before_training(tmp_path: Path) -> None:
    """What broke: a huge ``n_layer`` passed validation and made ``train`` build blocks until
    memory ran out, instead of saying which setting was out of range."""
    config = tmp_path / "exp.toml"
    config.write_text("[train.model]\nn_layer = 4294967296\n", encoding="utf-8")

    code, out, err = run_cli("train", "--exp-config", str(config))

    assert (code, out) == (2, "")
    assert err == (
        f"ml-playground: error: {config}: train.model: expected at most 1e+10 parameters"
        " (12 * n_layer * n_embd**2 + block_size * n_embd), got 8.44e+14\n"
    )
