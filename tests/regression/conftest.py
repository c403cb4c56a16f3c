"""Fixtures of the regression tests: a tiny experiment trained once per session, copied into each
test that needs a finished run, and the workflow's scratch repositories of the integration tests
(tests/fixtures/workflow/scratch.py), driven only through the real invoke and git hooks."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ml_playground.cli import main
from ml_playground.configuration.loader import SAMPLE_OVERRIDES_ENV, TRAIN_OVERRIDES_ENV
from tests.conftest import TINY_CORPUS, tiny_config_text
from tests.fixtures.workflow.scratch import (  # noqa: F401  (fixtures, found by name)
    make_scratch,
    regression_scratch,
    scratch_templates,
    seed_scratch,
)

RunCli = Callable[..., tuple[int, str, str]]


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``ml-playground ARGV`` in process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """``run_cli`` without the caller's override variables."""
    monkeypatch.delenv(TRAIN_OVERRIDES_ENV, raising=False)
    monkeypatch.delenv(SAMPLE_OVERRIDES_ENV, raising=False)
    return run_cli


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trained")
    corpus = root / "corpus.txt"
    corpus.write_text(TINY_CORPUS, encoding="utf-8")
    config = root / "exp" / "config.toml"
    config.parent.mkdir()
    config.write_text(tiny_config_text(corpus), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(TRAIN_OVERRIDES_ENV, raising=False)
        patch.delenv(SAMPLE_OVERRIDES_ENV, raising=False)
        code, _, err = run_cli("loop", "--exp-config", str(config))
    assert code == 0, err
    return root


@pytest.fixture
def trained(trained_template: Path, tmp_path: Path) -> Path:
    """config.toml of a copy of the tiny experiment after ``loop``: data in ``data/``, the run
    (checkpoints at iterations 3 and 6, best at 6) in ``run/``."""
    shutil.copytree(trained_template, tmp_path / "trained")
    return tmp_path / "trained" / "exp" / "config.toml"
