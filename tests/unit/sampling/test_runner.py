"""The sampling entry point: how it is called and where its start text comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_playground.core.errors import UsageError
from ml_playground.sampling.runner import sample, start_text

pytestmark = pytest.mark.unit


def test_the_writers_are_keyword_only() -> None:
    """Refused before the configuration is looked at, so no configuration is needed."""
    with pytest.raises(TypeError, match=r"takes 1 positional argument but 3 were given"):
        sample(None, print, print)  # type: ignore[arg-type, misc]


def test_a_start_text_is_used_as_given() -> None:
    assert start_text("Once upon") == "Once upon"


def test_a_start_file_is_read(tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Once upon a time\n", encoding="utf-8")
    assert start_text(f"FILE:{prompt}") == "Once upon a time\n"


def test_a_start_file_that_cannot_be_read_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(UsageError) as raised:
        start_text(f"FILE:{missing}")
    message = str(raised.value)
    assert message.startswith(f"sample.start: cannot read start file {missing} (")
    assert "No such file or directory" in message
