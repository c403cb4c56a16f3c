"""Tests that kill surviving mutants of ml_playground/core/text_tokenizers.py (see
docs/testing/mutation.md): error messages name the first offending entry and only the
characters that really repeat."""

from __future__ import annotations

import pytest

from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.text_tokenizers import CharTokenizer

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
