"""Tests that kill surviving mutants of ml_playground/core/text_tokenizers.py (see
docs/testing/mutation.md): error messages name the first offending entry and only the
characters that really repeat; BPE training prints nothing and its decoding keeps
special tokens."""

from __future__ import annotations

import pytest
import tokenizers

from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.text_tokenizers import BpeTokenizer, CharTokenizer, WordTokenizer

pytestmark = pytest.mark.unit


def test_a_vocabulary_error_names_the_first_entry_that_is_not_one_character() -> None:
    with pytest.raises(DataError, match=r"holds single characters, got 'ab'$"):
        CharTokenizer(["x", "ab", "cd"])


def test_a_duplicate_error_names_only_the_repeated_characters() -> None:
    with pytest.raises(DataError, match=r"has no duplicates, got 'a', 'c'$"):
        CharTokenizer(["a", "b", "c", "a", "c", "d"])


def test_decoding_names_the_first_invalid_token_id() -> None:
    tokenizer = CharTokenizer(["a", "b"])
    with pytest.raises(UsageError, match=r"^cannot decode token id 5: expected 0 <= id < 2"):
        tokenizer.decode([0, 5, 1, 9])


def test_a_word_duplicate_error_names_the_repeated_token() -> None:
    with pytest.raises(DataError, match=r"has no duplicates, got 'b' twice$"):
        WordTokenizer(["a", "b", "c", "b"])


def test_word_encoding_names_the_first_unknown_character_of_a_word() -> None:
    with pytest.raises(UsageError, match=r"^cannot encode 'x': not a character"):
        WordTokenizer(["a", "b"]).encode("axy")


def test_bpe_decoding_keeps_special_tokens() -> None:
    trained = BpeTokenizer.train("hello world, hello there", 300)
    model = tokenizers.Tokenizer.from_str(str(trained.to_meta()["json"]))
    model.add_special_tokens(["<|end|>"])
    tokenizer = BpeTokenizer(model.to_str())
    assert tokenizer.decode(tokenizer.encode("hi<|end|>there")) == "hi<|end|>there"


def test_bpe_training_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    BpeTokenizer.train("hello world, hello there", 300)
    assert capfd.readouterr() == ("", "")
