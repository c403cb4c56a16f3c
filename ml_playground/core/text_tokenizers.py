"""Every tokenizer (char, word, BPE), the interface they share, and their reconstruction from
``meta.json``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, Protocol, cast

import tokenizers
from tokenizers import decoders, models, pre_tokenizers, trainers

from ml_playground.core.errors import DataError, UsageError


class Tokenizer(Protocol):
    """Maps text to token ids and back; ``to_meta`` is what ``meta.json`` stores."""

    # Equivalent: Protocol member: never run, so @property only matters to the type checker.
    @property  # pragma: no mutate
    def kind(self) -> str: ...

    # Equivalent: Protocol member: never run, so @property only matters to the type checker.
    @property  # pragma: no mutate
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def to_meta(self) -> dict[str, object]:
        """JSON-serialisable; ``tokenizer_from_meta`` turns it back into an equal tokenizer."""
        ...


def check_ids(ids: Sequence[int], vocab_size: int) -> None:
    """Every id must name a token; the first one that does not is a UsageError."""
    invalid = [i for i in ids if not 0 <= i < vocab_size]
    if invalid:
        raise UsageError(
            f"cannot decode token id {invalid[0]}: expected 0 <= id < {vocab_size}"
            " (vocabulary size)"
        )


class VocabularyTokenizer:
    """What the char and word tokenizers share: ids are positions in a list of token strings.
    Decoding joins the tokens of the ids; ``meta.json`` stores the list itself. Subclasses
    check their vocabulary, then call ``__init__``, and encode."""

    KIND: ClassVar[str]

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self._itos = tokens
        self._stoi = {t: i for i, t in enumerate(tokens)}

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def vocab(self) -> tuple[str, ...]:
        return self._itos

    @property
    def vocab_size(self) -> int:
        return len(self._itos)

    def decode(self, ids: Sequence[int]) -> str:
        check_ids(ids, len(self._itos))
        itos = self._itos
        return "".join([itos[i] for i in ids])

    def to_meta(self) -> dict[str, object]:
        return {"kind": self.KIND, "vocab": list(self._itos)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VocabularyTokenizer) or type(other) is not type(self):
            return NotImplemented
        return self._itos == other._itos

    def __hash__(self) -> int:
        return hash((self.KIND, self._itos))


class CharTokenizer(VocabularyTokenizer):
    """One token per character; the id of a character is its position in ``vocab``."""

    KIND: ClassVar[str] = "char"

    def __init__(self, vocab: Iterable[str]) -> None:
        chars = tuple(vocab)
        if not chars:
            raise DataError("a character vocabulary needs at least one character")
        not_single = [c for c in chars if len(c) != 1]
        if not_single:
            raise DataError(
                f"a character vocabulary holds single characters, got {not_single[0]!r}"
            )
        if len(set(chars)) != len(chars):
            duplicates = sorted(c for c, n in Counter(chars).items() if n > 1)
            raise DataError(
                f"a character vocabulary has no duplicates, got {', '.join(map(repr, duplicates))}"
            )
        super().__init__(chars)

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The vocabulary of ``text``: its distinct characters in code point order."""
        return cls(sorted(set(text)))

    def encode(self, text: str) -> list[int]:
        stoi = self._stoi
        try:
            return [stoi[c] for c in text]
        except KeyError:
            unknown = sorted(set(text).difference(stoi))
            raise UsageError(
                f"cannot encode {', '.join(map(repr, unknown))}: not in the vocabulary of"
                f" {len(self._itos)} characters, which comes from the prepared corpus"
            ) from None

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={len(self._itos)})"


PIECES = re.compile(r"\w+|\W")
"""A text is a sequence of words (runs of letters, digits and ``_``) and single other
characters; joining the pieces gives the text back."""


class WordTokenizer(VocabularyTokenizer):
    """Word-level tokens: single characters and the most frequent words of the corpus, every
    other word spelled out in characters, so that any text over the corpus's characters
    round-trips. Ids are positions in ``vocab``."""

    KIND: ClassVar[str] = "word"

    def __init__(self, vocab: Iterable[str]) -> None:
        tokens = tuple(vocab)
        if not tokens or "" in tokens:
            raise DataError("a word vocabulary holds at least one token and no empty ones")
        if len(set(tokens)) != len(tokens):
            duplicate = next(t for t, n in Counter(tokens).items() if n > 1)
            raise DataError(f"a word vocabulary has no duplicates, got {duplicate!r} twice")
        super().__init__(tokens)

    @classmethod
    def from_text(cls, corpus: str, train_text: str, vocab_size: int) -> WordTokenizer:
        """Every character of ``corpus`` and, up to ``vocab_size`` tokens in all, the most
        frequent words of ``train_text`` (ties in code point order)."""
        chars = sorted(set(corpus))
        if vocab_size < len(chars):
            raise UsageError(
                f"prepare.vocab_size: expected at least {len(chars)} (the corpus's distinct"
                f" characters, each a token of the word tokenizer), got {vocab_size}"
            )
        counts = Counter(w for w in PIECES.findall(train_text) if len(w) > 1)
        # Equivalent: ~n is -n - 1 for integers: the same order.
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # pragma: no mutate
        # Equivalent: vocab_size >= len(chars) here: max's 0 never wins.
        words = [word for word, _ in ranked[: max(0, vocab_size - len(chars))]]  # pragma: no mutate
        return cls([*chars, *sorted(words)])

    def encode(self, text: str) -> list[int]:
        stoi = self._stoi
        ids: list[int] = []
        for piece in PIECES.findall(text):
            found = stoi.get(piece)
            if found is not None:
                ids.append(found)
                continue
            unknown = [c for c in piece if c not in stoi]
            if unknown:
                raise UsageError(
                    f"cannot encode {unknown[0]!r}: not a character of the prepared corpus"
                )
            ids.extend(stoi[c] for c in piece)
        return ids


class BpeTokenizer:
    """Byte-level BPE trained on the corpus with the ``tokenizers`` library; any text
    round-trips (the base tokens are the 256 byte values). Stored as its JSON text, so that
    meta.json and checkpoints (read with ``weights_only=True``) hold plain data."""

    KIND: ClassVar[str] = "bpe"

    def __init__(self, json_text: str) -> None:
        try:
            self._tokenizer = tokenizers.Tokenizer.from_str(json_text)
        except Exception as exc:  # the library raises its own Exception subclass
            raise DataError(f"not a tokenizers JSON document ({exc})") from None
        self._json = json_text

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BpeTokenizer:
        """Merges learned from ``text`` until ``vocab_size`` tokens (fewer when ``text`` runs
        out of pairs). The same text and size give the same tokenizer."""
        model = tokenizers.Tokenizer(models.BPE())
        model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        model.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        model.train_from_iterator([text], trainer=trainer)
        return cls(model.to_str())

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text).ids)

    def decode(self, ids: Sequence[int]) -> str:
        check_ids(ids, self.vocab_size)
        return self._tokenizer.decode(list(ids), skip_special_tokens=False)

    def to_meta(self) -> dict[str, object]:
        return {"kind": self.KIND, "json": self._json}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BpeTokenizer):
            return NotImplemented
        return self._json == other._json

    def __hash__(self) -> int:
        return hash((self.KIND, self._json))


def tokenizer_from_meta(meta_tokenizer: Mapping[str, object]) -> Tokenizer:
    """Rebuild the tokenizer described by the ``tokenizer`` object of ``meta.json``."""
    kind = meta_tokenizer.get("kind")
    if kind == BpeTokenizer.KIND:
        text = meta_tokenizer.get("json")
        if not isinstance(text, str):
            raise DataError(f"tokenizer.json: expected a JSON text, got {type(text).__name__}")
        try:
            return BpeTokenizer(text)
        except DataError as exc:
            raise DataError(f"tokenizer.json: {exc}") from None
    if kind not in (CharTokenizer.KIND, WordTokenizer.KIND):
        raise DataError(
            f"tokenizer.kind: unknown tokenizer kind {kind!r}, expected 'char', 'word' or 'bpe'"
        )
    vocab = meta_tokenizer.get("vocab")
    if not isinstance(vocab, list):
        raise DataError(f"tokenizer.vocab: expected a list of strings, got {type(vocab).__name__}")
    tokens: list[str] = []
    for index, item in enumerate(cast("list[object]", vocab)):
        if not isinstance(item, str):
            raise DataError(f"tokenizer.vocab[{index}]: expected a string, got {item!r}")
        tokens.append(item)
    try:
        return CharTokenizer(tokens) if kind == CharTokenizer.KIND else WordTokenizer(tokens)
    except DataError as exc:
        raise DataError(f"tokenizer.vocab: {exc}") from None
