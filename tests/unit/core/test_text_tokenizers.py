from __future__ import annotations

import json

import pytest

from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.text_tokenizers import CharTokenizer, Tokenizer, tokenizer_from_meta

pytestmark = pytest.mark.unit


def test_from_text_uses_sorted_distinct_characters() -> None:
    tokenizer = CharTokenizer.from_text("hello world\n")

    assert tokenizer.vocab == ("\n", " ", "d", "e", "h", "l", "o", "r", "w")
    assert tokenizer.vocab_size == 9
    assert tokenizer.kind == "char"


def test_encode_maps_characters_to_vocabulary_positions() -> None:
    tokenizer = CharTokenizer(["b", "a", "\n"])

    assert tokenizer.encode("ab\na") == [1, 0, 2, 1]
    assert tokenizer.encode("") == []


def test_decode_inverts_encode() -> None:
    tokenizer = CharTokenizer.from_text("def f(x):\n    return x\n")

    assert tokenizer.decode(tokenizer.encode("return f(x)")) == "return f(x)"
    assert tokenizer.decode([]) == ""


def test_encode_unknown_characters_names_them() -> None:
    tokenizer = CharTokenizer.from_text("abc")

    with pytest.raises(UsageError) as excinfo:
        tokenizer.encode("cab\u00e9z!z")

    message = str(excinfo.value)
    assert "'!', 'z', '\u00e9'" in message
    assert "vocabulary of 3 characters" in message
    assert "prepared corpus" in message


@pytest.mark.parametrize("bad_id", [-1, 3, 100])
def test_decode_rejects_ids_outside_the_vocabulary(bad_id: int) -> None:
    tokenizer = CharTokenizer.from_text("abc")

    with pytest.raises(UsageError, match=rf"token id {bad_id}: expected 0 <= id < 3"):
        tokenizer.decode([0, bad_id])


@pytest.mark.parametrize(
    ("vocab", "message"),
    [
        ([], "at least one character"),
        (["a", "bc"], "single characters, got 'bc'"),
        (["a", ""], "single characters, got ''"),
        (["a", "b", "a", "c", "b"], "no duplicates, got 'a', 'b'"),
    ],
)
def test_constructor_rejects_malformed_vocabularies(vocab: list[str], message: str) -> None:
    with pytest.raises(DataError, match=message):
        CharTokenizer(vocab)


def test_to_meta_is_json_and_round_trips() -> None:
    tokenizer = CharTokenizer.from_text("z\u00e9a\n\t")

    meta = json.loads(json.dumps(tokenizer.to_meta()))

    assert meta == {"kind": "char", "vocab": ["\t", "\n", "a", "z", "\u00e9"]}
    rebuilt = tokenizer_from_meta(meta)
    assert rebuilt == tokenizer
    assert hash(rebuilt) == hash(tokenizer)
    assert rebuilt.encode("za") == tokenizer.encode("za")


def test_equality_depends_on_vocabulary_order() -> None:
    assert CharTokenizer(["a", "b"]) == CharTokenizer(("a", "b"))
    assert CharTokenizer(["a", "b"]) != CharTokenizer(["b", "a"])
    assert CharTokenizer(["a"]) != "a"
    assert repr(CharTokenizer(["a", "b"])) == "CharTokenizer(vocab_size=2)"


def test_char_tokenizer_satisfies_the_protocol() -> None:
    tokenizer: Tokenizer = CharTokenizer(["x", "y"])

    assert tokenizer.decode(tokenizer.encode("yx")) == "yx"


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (
            {"kind": "bpe2", "vocab": ["a"]},
            "tokenizer.kind: unknown tokenizer kind 'bpe2', expected 'char', 'word' or 'bpe'",
        ),
        ({"kind": "bpe", "vocab": ["a"]}, "^tokenizer.json: expected a JSON text, got NoneType$"),
        ({"kind": "bpe", "json": "{}"}, "^tokenizer.json: not a tokenizers JSON document"),
        ({"kind": "word", "vocab": ["ab", ""]}, "tokenizer.vocab: .*no empty ones$"),
        ({"vocab": ["a"]}, "tokenizer.kind: unknown tokenizer kind None"),
        ({"kind": "char"}, "tokenizer.vocab: expected a list of strings, got NoneType"),
        ({"kind": "char", "vocab": "ab"}, "tokenizer.vocab: expected a list .*got str"),
        ({"kind": "char", "vocab": ["a", 1]}, r"tokenizer.vocab\[1\]: expected a string, got 1$"),
        ({"kind": "char", "vocab": ["a", "a"]}, "tokenizer.vocab: .*no duplicates, got 'a'"),
        ({"kind": "char", "vocab": []}, "tokenizer.vocab: .*at least one character"),
        ({"kind": "char", "vocab": ["ab"]}, "tokenizer.vocab: .*single characters, got 'ab'"),
    ],
)
def test_tokenizer_from_meta_rejects_malformed_descriptions(
    meta: dict[str, object], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        tokenizer_from_meta(meta)
