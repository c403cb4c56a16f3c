"""A checkpoint carries its model settings and tokenizer: sampling needs nothing else, and a
resume on data with another tokenizer is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from ml_playground.configuration.loader import SAMPLE_OVERRIDES_ENV
from ml_playground.training.checkpointing.manager import read_checkpoint
from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression


def test_sample_needs_no_data_folder(cli: RunCli, trained: Path) -> None:
    """What broke (issue 13): the vocabulary lived only in the data folder's ``meta.json``, so
    sampling failed once the data folder was gone."""
    code, before, _ = cli("sample", "--exp-config", str(trained))
    assert code == 0
    shutil.rmtree(trained.parent / "data")

    assert cli("sample", "--exp-config", str(trained)) == (0, before, "")


def test_a_swapped_vocabulary_is_noticed(cli: RunCli, trained: Path) -> None:
    """What broke (issue 13): checkpoints stored only ``vocab_size``. With two vocabulary
    entries swapped in ``meta.json`` (as re-preparing a corpus with the same number of
    distinct characters does), ``sample`` printed wrong text with exit 0 and ``train``
    resumed without complaint."""
    code, before, _ = cli("sample", "--exp-config", str(trained))
    assert code == 0
    meta_path = trained.parent / "data" / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    vocab = meta["tokenizer"]["vocab"]
    vocab[1], vocab[2] = vocab[2], vocab[1]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")

    assert cli("sample", "--exp-config", str(trained)) == (0, before, "")
    code, out, err = cli("train", "--exp-config", str(trained))
    last = trained.parent / "run" / "checkpoints" / "last_00000006.pt"
    assert (code, out) == (2, "")
    assert err == (
        f"ml-playground: error: checkpoint {last} was trained with another tokenizer than the"
        f" prepared data in {trained.parent / 'data'} (the same number of tokens, in another"
        " order or other ones); prepare the data it was trained on; or `ml-playground train"
        " --fresh` starts over, moving the old run aside\n"
    )


def test_a_checkpoint_without_model_settings_is_one_line(cli: RunCli, trained: Path) -> None:
    """What broke (issue 13): ``sample`` on a checkpoint without ``model_config`` ended in
    ``KeyError: 'model_config'`` (``train`` already reported the file cleanly)."""
    best = trained.parent / "run" / "checkpoints" / "best_00000006.pt"
    state = read_checkpoint(best)
    del state["model_config"]
    torch.save(state, best)

    assert cli("sample", "--exp-config", str(trained)) == (
        1,
        "",
        f"ml-playground: error: checkpoint {best}: model_config: expected the model settings,"
        " got None\n",
    )


def test_a_temperature_near_zero_samples_greedily(
    cli: RunCli, trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What broke (issue 13): ``temperature = 1e-300`` in the sample overrides overflowed
    the logits to NaN probabilities and ended in a traceback from ``torch.multinomial``."""
    monkeypatch.setenv(SAMPLE_OVERRIDES_ENV, '{"top_k": 1}')
    code, greedy, _ = cli("sample", "--exp-config", str(trained))
    assert code == 0
    monkeypatch.setenv(SAMPLE_OVERRIDES_ENV, '{"temperature": 1e-300}')

    assert cli("sample", "--exp-config", str(trained)) == (0, greedy, "")
