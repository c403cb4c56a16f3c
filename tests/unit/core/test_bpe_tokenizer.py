"""The byte-level BPE tokenizer: deterministic training, round trips, stored form."""

from __future__ import annotations

import json

import pytest

from ml_playground.configuration.models import BYTE_TOKENS
from ml_playground.core.errors import UsageError
from ml_playground.core.text_tokenizers import BpeTokenizer, tokenizer_from_meta

pytestmark = pytest.mark.unit

CODE = "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n" * 20


def test_bpe_is_deterministic_lossless_and_stored_as_json_text() -> None:
    tokenizer = BpeTokenizer.train(CODE, 270)
    assert tokenizer == BpeTokenizer.train(CODE, 270)
    assert tokenizer != BpeTokenizer.train(CODE, 265)
    assert tokenizer.__eq__("x") is NotImplemented
    assert (tokenizer.kind, tokenizer.vocab_size) == ("bpe", 270)
    ids = tokenizer.encode(CODE)
    assert len(ids) < len(CODE) / 1.5
    text = "caf\u00e9 \u2603\t\r\n\U0001d11e never seen"
    assert tokenizer.decode(tokenizer.encode(text)) == text
    meta = tokenizer.to_meta()
    assert meta["kind"] == "bpe"
    assert isinstance(meta["json"], str)
    rebuilt = tokenizer_from_meta(json.loads(json.dumps(meta)))
    assert rebuilt == tokenizer
    assert hash(rebuilt) == hash(tokenizer)
    assert rebuilt.encode(CODE) == ids


def test_bpe_on_a_small_text_stops_when_it_runs_out_of_pairs() -> None:
    tokenizer = BpeTokenizer.train("abab", 1000)
    assert BYTE_TOKENS < tokenizer.vocab_size < 1000
    with pytest.raises(UsageError, match=r"^cannot decode token id 1000: expected 0 <= id <"):
        tokenizer.decode([1000])
