"""What a checkpoint carries besides weights: checked on reading, compared before resuming."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError, replace
from pathlib import Path
from typing import Any

import pytest
from torch import nn

from ml_playground.configuration.models import ModelConfig
from ml_playground.core.errors import CheckpointError, UsageError
from ml_playground.core.text_tokenizers import CharTokenizer
from ml_playground.data_pipeline.dataset_files import FORMAT_VERSION, DatasetMeta
from ml_playground.training.checkpointing.contents import (
    CheckpointInfo,
    check_resumable,
    describe,
    restore,
    self_description,
)

pytestmark = pytest.mark.unit

PATH = Path("/runs/x/checkpoints/last_00000004.pt")
MODEL = ModelConfig(n_layer=1, n_head=2, n_embd=8, block_size=4, dropout=0.0, bias=False)
TOKENIZER = CharTokenizer("abc")
META = DatasetMeta(
    format_version=FORMAT_VERSION,
    dataset="text",
    tokenizer=TOKENIZER,
    train_tokens=8,
    val_tokens=2,
    val_fraction=0.2,
    fingerprint="f" * 64,
    sha256={"train": "0" * 64, "val": "1" * 64},
)


def saved(**changes: object) -> dict[str, Any]:
    state: dict[str, Any] = {
        **self_description(MODEL, TOKENIZER, "f" * 64),
        "iteration": 4,
        "best_val_loss": math.inf,
        "model": {},
    }
    state.update(changes)
    return {key: value for key, value in state.items() if value is not None}


def refusal(state: dict[str, Any]) -> str:
    with pytest.raises(CheckpointError) as raised:
        describe(state, PATH)
    return str(raised.value).removeprefix(f"checkpoint {PATH}: ")


def test_a_checkpoint_describes_itself_completely() -> None:
    assert describe(saved(), PATH) == CheckpointInfo(MODEL, 3, 4, math.inf, TOKENIZER, "f" * 64)
    assert saved()["format_version"] == 2


def test_a_checkpoint_before_format_2_has_no_tokenizer_or_fingerprint() -> None:
    info = describe(saved(tokenizer=None, data_fingerprint=None), PATH)
    assert (info.tokenizer, info.data_fingerprint, info.vocab_size) == (None, None, 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model_config": None}, "model_config: expected the model settings, got None"),
        ({"model_config": {}}, "model_config: expected the model settings, got {}"),
        (
            {"model_config": {**vars(MODEL), "n_layer": "two"}},
            "model_config.n_layer: expected an integer, got 'two'",
        ),
        (
            {"model_config": {**vars(MODEL), "n_embd": 9}},
            "model_config.n_embd: expected a multiple of n_head (2), got 9",
        ),
        ({"vocab_size": 0}, "vocab_size: expected an integer >= 1, got 0"),
        ({"vocab_size": True}, "vocab_size: expected an integer >= 1, got True"),
        ({"vocab_size": 4}, "vocab_size: expected 3 (the tokenizer's), got 4"),
        ({"iteration": -1}, "iteration: expected an integer >= 0, got -1"),
        ({"best_val_loss": math.nan}, "best_val_loss: expected a number, got nan"),
        ({"best_val_loss": False}, "best_val_loss: expected a number, got False"),
        ({"best_val_loss": "1"}, "best_val_loss: expected a number, got '1'"),
        (
            {"tokenizer": ["a"]},
            "tokenizer.kind: unknown tokenizer kind None, expected 'char', 'word' or 'bpe'",
        ),
        ({"data_fingerprint": 7}, "data_fingerprint: expected a string, got 7"),
    ],
)
def test_a_malformed_entry_is_named_with_the_file(changes: dict[str, object], message: str) -> None:
    assert refusal(saved(**changes)) == message


def test_a_whole_number_best_loss_is_accepted() -> None:
    assert describe(saved(best_val_loss=2, iteration=0), PATH).best_val_loss == 2.0


def test_weights_that_do_not_fit_are_one_line() -> None:
    with pytest.raises(CheckpointError) as raised:
        restore(nn.Linear(2, 2), {"model": {"weight": 1}}, "model", PATH)
    message = str(raised.value)
    assert message.startswith(f"checkpoint {PATH}: model: does not fit the model it describes (")
    assert "\n" not in message


def test_an_empty_error_is_named_by_its_type() -> None:
    class Refusing:
        def load_state_dict(self, state_dict: object, /) -> None:
            raise KeyError

    with pytest.raises(CheckpointError, match=r"\(KeyError\)$"):
        restore(Refusing(), {"ema": {}}, "ema", PATH)


def test_a_multi_line_error_is_named_by_its_first_line() -> None:
    class Refusing:
        def load_state_dict(self, state_dict: object, /) -> None:
            raise ValueError("  shapes differ\n  weight: 2 vs 3\n")

    with pytest.raises(CheckpointError) as raised:
        restore(Refusing(), {"ema": {}}, "ema", PATH)
    assert str(raised.value) == (
        f"checkpoint {PATH}: ema: does not fit the model it describes (shapes differ)"
    )


def test_a_checkpoint_description_is_immutable() -> None:
    info = describe(saved(), PATH)
    with pytest.raises(FrozenInstanceError):
        info.iteration = 5  # type: ignore[misc]
    assert info.iteration == 4


def resumable(info: CheckpointInfo, model: ModelConfig = MODEL) -> list[str]:
    warnings: list[str] = []
    check_resumable(info, PATH, model, META, Path("/data"), warnings.append)
    return warnings


def test_the_same_data_and_model_resume_silently_and_dropout_may_change() -> None:
    assert resumable(describe(saved(), PATH), replace(MODEL, dropout=0.5)) == []


def test_an_old_checkpoint_resumes_with_a_warning() -> None:
    info = describe(saved(tokenizer=None, data_fingerprint=None), PATH)
    assert resumable(info) == [
        f"warning: checkpoint {PATH} predates checkpoints that carry their tokenizer;"
        " resuming without checking that it was trained on the data in /data"
    ]


@pytest.mark.parametrize(
    ("vocab", "detail"),
    [
        ("abcd", "4 vs 3 tokens"),
        ("acb", "the same number of tokens, in another order or other ones"),
    ],
)
def test_another_tokenizer_refuses_to_resume(vocab: str, detail: str) -> None:
    info = replace(describe(saved(), PATH), tokenizer=CharTokenizer(vocab))
    with pytest.raises(UsageError) as raised:
        resumable(info)
    assert str(raised.value) == (
        f"checkpoint {PATH} was trained with another tokenizer than the prepared data in /data"
        f" ({detail}); prepare the data it was trained on; or `ml-playground train --fresh`"
        " starts over, moving the old run aside"
    )


def test_other_data_refuses_to_resume() -> None:
    info = replace(describe(saved(), PATH), data_fingerprint="e" * 64)
    with pytest.raises(UsageError, match=r"\(dataset fingerprint eeeeeeeeeeee vs ffffffffffff\)"):
        resumable(info)


def test_another_model_refuses_to_resume() -> None:
    with pytest.raises(CheckpointError, match=r"different model \(n_layer 1 != 2, bias"):
        resumable(describe(saved(), PATH), replace(MODEL, n_layer=2, bias=True))
    info = replace(describe(saved(tokenizer=None), PATH), vocab_size=5)
    with pytest.raises(CheckpointError, match=r"different model \(vocab_size 5 != 3\); choose"):
        resumable(info)
