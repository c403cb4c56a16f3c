"""Tests that kill surviving mutants of ml_playground/configuration/loader.py (see
docs/testing/mutation.md): unreadable files, the list of known experiments, which of several
conflicts is reported, and the download settings of the shakespeare_char dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_playground.configuration.loader import experiment_file, load_experiment, read_toml
from ml_playground.core.errors import ConfigError, UsageError

pytestmark = pytest.mark.unit


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_path_that_cannot_be_read_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        read_toml(tmp_path)
    assert str(raised.value) == f"{tmp_path}: cannot read file (Is a directory)"


def test_an_unknown_experiment_lists_the_known_ones_or_says_none(tmp_path: Path) -> None:
    write(tmp_path / "b" / "config.toml", "")
    write(tmp_path / "a" / "config.toml", "")
    with pytest.raises(UsageError, match=r"^unknown experiment 'c'; expected one of: a, b$"):
        experiment_file("c", tmp_path)
    with pytest.raises(UsageError, match=r"^unknown experiment 'c'; expected one of: none$"):
        experiment_file("c", tmp_path / "a")


def test_of_several_conflicts_the_first_is_reported(tmp_path: Path) -> None:
    exp = write(
        tmp_path / "exp.toml",
        '[prepare]\ndataset = "text"\n[train.model]\nn_embd = 10\nn_head = 3\n',
    )
    with pytest.raises(ConfigError) as raised:
        load_experiment(exp_config=exp, env={}, cwd=tmp_path)
    assert raised.value.key_path == "train.model.n_embd"


@pytest.mark.parametrize(
    ("download", "error"),
    [
        ('url = "https://example.org/x.txt"\nsha256 = ""\n', True),
        ('url = ""\nsha256 = "ab"\n', True),
        ('url = "https://example.org/x.txt"\nsha256 = "ab"\n', False),
    ],
)
def test_shakespeare_char_needs_both_a_url_and_a_sha256(
    tmp_path: Path, download: str, error: bool
) -> None:
    exp = write(
        tmp_path / "exp.toml",
        f'[prepare]\ndataset = "shakespeare_char"\n[prepare.download]\n{download}',
    )
    if not error:
        config = load_experiment(exp_config=exp, env={}, cwd=tmp_path)
        assert config.prepare.download.sha256 == "ab"
        return
    with pytest.raises(ConfigError) as raised:
        load_experiment(exp_config=exp, env={}, cwd=tmp_path)
    assert raised.value.key_path == "prepare.download.url"
    assert raised.value.expected == (
        'expected a url and a sha256 when prepare.dataset = "shakespeare_char"'
    )
