"""The sampling entry point: how it is called and where its start text comes from."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from ml_playground.configuration.loader import load_experiment
from ml_playground.core.errors import CheckpointError, UsageError
from ml_playground.core.text_tokenizers import CharTokenizer
from ml_playground.models.gpt import GPT
from ml_playground.sampling.runner import sample, start_text
from ml_playground.training.checkpointing.contents import self_description
from ml_playground.training.checkpointing.manager import CheckpointManager
from ml_playground.training.run_files import checkpoint_dir

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


def test_sampling_leaves_an_unreadable_checkpoint_where_it_is(tiny_experiment: Path) -> None:
    """Only training moves unreadable checkpoints aside; sampling merely reads."""
    config = load_experiment(exp_config=tiny_experiment, env={}, cwd=tiny_experiment.parent)
    checkpoints = checkpoint_dir(config.train.runtime.out_dir)
    checkpoints.mkdir(parents=True)
    (checkpoints / "last_00000003.pt").write_bytes(b"not a checkpoint")
    warnings: list[str] = []
    written: list[str] = []

    with pytest.raises(CheckpointError, match=r"unreadable: last_00000003\.pt"):
        sample(config, warn=warnings.append, write=written.append)

    assert sorted(p.name for p in checkpoints.iterdir()) == ["last_00000003.pt"]
    (warning,) = warnings
    assert warning.startswith(f"warning: checkpoint {checkpoints / 'last_00000003.pt'} is ")
    assert warning.endswith("); trying the previous checkpoint")
    assert written == []


def test_each_sample_is_written_followed_by_a_line_of_40_dashes(tiny_experiment: Path) -> None:
    config = load_experiment(exp_config=tiny_experiment, env={}, cwd=tiny_experiment.parent)
    tokenizer = CharTokenizer("def ")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = GPT(config.train.model, tokenizer.vocab_size)
    state = {
        **self_description(config.train.model, tokenizer, "f" * 64),
        "iteration": 1,
        "best_val_loss": math.inf,
        "model": model.state_dict(),
    }
    manager = CheckpointManager(
        checkpoint_dir(config.train.runtime.out_dir), keep_last=1, keep_best=1, warn=print
    )
    manager.save(state, 1, best=False)
    written: list[str] = []

    texts = sample(config, warn=written.append, write=written.append)

    (text,) = texts
    assert text.startswith("def ")
    assert len(text) == len("def ") + config.sample.max_new_tokens
    assert written == [text, "-" * 40]
