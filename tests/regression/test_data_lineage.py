"""Prepared data records the ``[prepare]`` settings that made it; train and sample refuse data
that the run's ``[prepare]`` would not make, and experiments do not share data by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_playground.configuration.loader import load_experiment
from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression


def test_a_changed_tokenizer_is_refused_instead_of_training_on_old_tokens(
    cli: RunCli, trained: Path
) -> None:
    """What broke (issue 19): ``train --set prepare.tokenizer=bpe --set
    prepare.vocab_size=300`` on char data exited 0, trained on the old char tokens."""
    sets = ("--set", "prepare.tokenizer=bpe", "--set", "prepare.vocab_size=300")

    code, out, err = cli("train", "--exp-config", str(trained), *sets)

    assert (code, out) == (2, "")
    assert err == (
        f"ml-playground: error: the data in {trained.parent / 'data'} was prepared with other"
        " [prepare] settings (prepare.tokenizer 'char' != 'bpe', prepare.vocab_size unset !="
        f" 300); `ml-playground prepare --exp-config {trained}"
        " --set=prepare.tokenizer=bpe --set=prepare.vocab_size=300` prepares it again\n"
    )
    assert cli("sample", "--exp-config", str(trained), *sets)[0] == 2


def test_fresh_with_another_corpus_refuses_before_moving_the_run(
    cli: RunCli, trained: Path
) -> None:
    """What broke (issue 19): ``train --fresh --set prepare.raw_text_path=other.txt`` exited
    0 and trained on the old corpus; the run was moved aside for it."""
    other = trained.parent.parent / "other.txt"
    other.write_text("def other():\n    return 0\n\n" * 40, encoding="utf-8")
    run_dir = trained.parent / "run"
    before = sorted(p.name for p in (run_dir / "checkpoints").iterdir())

    code, _, err = cli(
        "train", "--fresh", "--exp-config", str(trained), "--set", f"prepare.raw_text_path={other}"
    )

    assert code == 2
    assert "prepare.raw_text_path" in err
    assert f"{other}'" in err.splitlines()[0]
    assert not (run_dir / "previous").exists()
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == before
    code, _, err = cli(
        "loop", "--fresh", "--exp-config", str(trained), "--set", f"prepare.raw_text_path={other}"
    )
    assert code == 0, err


def test_experiments_given_by_file_get_their_own_data_and_run(tmp_path: Path) -> None:
    """What broke (issue 19): every experiment given only by ``--exp-config`` shared
    ``out/data``, so one trained on the other's prepared data."""
    configs = [tmp_path / "a.toml", tmp_path / "b" / "config.toml"]
    for config in configs:
        config.parent.mkdir(exist_ok=True)
        config.write_text("[prepare]\nval_fraction = 0.2\n", encoding="utf-8")

    loaded = [load_experiment(None, c, env={}, cwd=tmp_path) for c in configs]

    assert [c.prepare.data_dir for c in loaded] == [
        tmp_path / "out/a/data",
        tmp_path / "out/b/data",
    ]
    assert [c.train.runtime.out_dir for c in loaded] == [tmp_path / "out/a", tmp_path / "out/b"]
