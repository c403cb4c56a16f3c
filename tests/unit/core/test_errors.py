"""The error hierarchy: the exit code the CLI gives each kind of error."""

from __future__ import annotations

import pytest

from ml_playground.core.errors import (
    CheckpointError,
    CheckpointMismatchError,
    ConfigError,
    DataError,
    DownloadError,
    PlaygroundError,
    RunError,
    UsageError,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("error", "exit_code"),
    [
        (PlaygroundError, 1),
        (DataError, 1),
        (DownloadError, 1),
        (CheckpointError, 1),
        (RunError, 1),
        (ConfigError, 2),
        (UsageError, 2),
        (CheckpointMismatchError, 2),
    ],
)
def test_usage_errors_exit_2_and_every_other_error_exits_1(
    error: type[PlaygroundError], exit_code: int
) -> None:
    assert error.exit_code == exit_code


def test_a_mismatching_checkpoint_is_both_a_checkpoint_and_a_usage_error() -> None:
    error = CheckpointMismatchError("checkpoint x.pt belongs to a different model")
    assert isinstance(error, CheckpointError)
    assert isinstance(error, UsageError)
    assert error.exit_code == 2


def test_a_config_error_names_its_source_key_and_expectation() -> None:
    error = ConfigError("exp.toml", "train.runtime.out_dir", "expected a path")
    assert str(error) == "exp.toml: train.runtime.out_dir: expected a path"
    assert (error.source, error.key_path, error.expected) == (
        "exp.toml",
        "train.runtime.out_dir",
        "expected a path",
    )
    assert str(ConfigError("exp.toml", "", "not TOML")) == "exp.toml: not TOML"
