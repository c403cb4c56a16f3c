"""One error hierarchy for the whole package; the CLI maps each class to an exit code."""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base class of every error the CLI reports as one line."""

    exit_code: int = 1


class ConfigError(PlaygroundError):
    """Invalid configuration: names where it came from, the key path and what was expected."""

    exit_code = 2

    def __init__(self, source: str, key_path: str, expected: str) -> None:
        self.source = source
        self.key_path = key_path
        self.expected = expected
        where = f"{source}: {key_path}" if key_path else source
        super().__init__(f"{where}: {expected}")


class UsageError(PlaygroundError):
    """The command line or its inputs cannot be used as given."""

    exit_code = 2


class DataError(PlaygroundError):
    """Preparing or reading a dataset failed."""


class DownloadError(DataError):
    """Fetching a remote corpus failed (network, size limit, checksum)."""


class CheckpointError(PlaygroundError):
    """No usable checkpoint could be read or one could not be written."""


class CheckpointMismatchError(CheckpointError, UsageError):
    """A readable checkpoint that does not fit the run (another model, tokenizer or data): the
    run's settings or data must change, so it is a usage error, whichever part differs."""

    exit_code = 2


class RunError(PlaygroundError):
    """Training cannot go on: its outputs cannot be written, its metrics log is damaged, or its
    loss stopped being a finite number."""
