"""The controls a nanoGPT user reaches for, as a user runs them: --set, checkpoint choice,
the startup summary and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import RunCli, cli_env

pytestmark = pytest.mark.e2e


def test_set_overrides_win_over_the_file_and_the_environment(
    run_cli: RunCli, tiny_experiment: Path
) -> None:
    env = cli_env(ML_PLAYGROUND_TRAIN_OVERRIDES=json.dumps({"runtime": {"max_iters": 5}}))
    result = run_cli(
        "loop",
        "--exp-config",
        str(tiny_experiment),
        "--set",
        "train.runtime.max_iters=4",
        "--set",
        "sample.max_new_tokens=7",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "trained to iteration 4," in result.stderr
    assert result.stdout == result.stdout.split("\n")[0] + "\n" + "-" * 40 + "\n"
    assert len(result.stdout.split("\n")[0]) <= len("def ") + 7


@pytest.mark.parametrize(
    ("command", "assignment", "expected"),
    [
        (
            "train",
            "train.optim.lr=3e-4",
            "--set: train.optim.lr: unknown key; expected one of: beta1, beta2, grad_clip,"
            " learning_rate, weight_decay",
        ),
        (
            "loop",
            "train.runtime.max_iters=3.5",
            "--set: train.runtime.max_iters: expected an integer, got 3.5",
        ),
        (
            "prepare",
            "prepare.val_fraction=half",
            "--set: prepare.val_fraction: expected a number, got 'half'",
        ),
        ("sample", "sample.top_p=true", "--set: sample.top_p: expected a number, got True"),
    ],
)
def test_a_bad_override_exits_2_naming_the_key(
    run_cli: RunCli, tiny_experiment: Path, command: str, assignment: str, expected: str
) -> None:
    result = run_cli(command, "--exp-config", str(tiny_experiment), "--set", assignment)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"ml-playground: error: {expected}\n"
