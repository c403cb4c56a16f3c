"""Configuration errors are one exact line naming the source, the key path and what was expected."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ml_playground.cli import main
from ml_playground.configuration.loader import SAMPLE_OVERRIDES_ENV, TRAIN_OVERRIDES_ENV

pytestmark = pytest.mark.regression


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's override variables must not leak into these exact messages."""
    monkeypatch.delenv(TRAIN_OVERRIDES_ENV, raising=False)
    monkeypatch.delenv(SAMPLE_OVERRIDES_ENV, raising=False)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[train.runtime]\nmax_iters = 0\n",
            "train.runtime.max_iters: expected a value >= 1, got 0",
        ),
        (
            '[train.model]\nn_layer = "two"\n',
            "train.model.n_layer: expected an integer, got 'two'",
        ),
        (
            "[train.schedule]\nmin_lr = 0.5\n",
            "train.schedule.min_lr: expected at most train.optim.learning_rate (0.001), got 0.5",
        ),
        (
            "[train.schedule]\nwarmup_iters = 5000\n",
            "train.schedule.warmup_iters: expected at most train.schedule.lr_decay_iters (500),"
            " got 5000",
        ),
        (
            "[trian]\nx = 1\n",
            "trian: unknown section; expected one of: prepare, train, sample",
        ),
        (
            "[train\nx = 1\n",
            "invalid TOML (Expected ']' at the end of a table declaration (at line 1, column 7))",
        ),
    ],
)
def test_a_bad_experiment_file_is_one_exact_line_with_exit_code_2(
    tmp_path: Path, toml: str, message: str
) -> None:
    """What broke: validation errors surfaced as tracebacks or as messages without the file
    or the TOML key path (or named the packaged defaults instead of the user's file). It
    showed as a multi-line stack trace, exit code 1, and no hint which key to fix."""
    config = tmp_path / "exp.toml"
    config.write_text(toml, encoding="utf-8")

    code, out, err = run_cli("train", "--exp-config", str(config))

    assert (code, out) == (2, "")
    assert err == f"ml-playground: error: {config}: {message}\n"


def test_a_missing_experiment_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    assert run_cli("train", "--exp-config", str(missing)) == (
        2,
        "",
        f"ml-playground: error: {missing}: file not found\n",
    )


def test_a_bad_override_names_the_variable_not_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What broke: invalid JSON overrides were silently ignored, or blamed on a TOML file.
    It showed as training running with the value the user had tried to change."""
    config = tmp_path / "exp.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv(SAMPLE_OVERRIDES_ENV, '{"top_p": 2}')
    assert run_cli("sample", "--exp-config", str(config)) == (
        2,
        "",
        f"ml-playground: error: {SAMPLE_OVERRIDES_ENV}: sample.top_p:"
        " expected a value > 0 and <= 1, got 2\n",
    )
    monkeypatch.setenv(TRAIN_OVERRIDES_ENV, "[1]")
    assert run_cli("train", "--exp-config", str(config)) == (
        2,
        "",
        f"ml-playground: error: {TRAIN_OVERRIDES_ENV}: expected a JSON object, got '[1]'\n",
    )
