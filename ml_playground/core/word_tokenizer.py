"""Word-level tokens: the most frequent words of the corpus, every other word spelled out in
characters, so that any text over the corpus's characters round-trips."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import ClassVar

from ml_playground.core.errors import DataError, UsageError

PIECES = re.compile(r"\w+|\W")
"""A text is a sequence of words (runs of letters, digits and ``_``) and single other
characters; joining the pieces gives the text back."""


class WordTokenizer:
    """Ids are positions in ``vocab``: single characters and whole words."""

    KIND: ClassVar[str] = "word"

    def __init__(self, vocab: Iterable[str]) -> None:
        tokens = tuple(vocab)
        if not tokens or "" in tokens:
            raise DataError("a word vocabulary holds at least one token and no empty ones")
        if len(set(tokens)) != len(tokens):
            duplicate = next(t for t, n in Counter(tokens).items() if n > 1)
            raise DataError(f"a word vocabulary has no duplicates, got {duplicate!r} twice")
        self._itos = tokens
        self._stoi = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def from_text(cls, corpus: str, train_text: str, vocab_size: int) -> WordTokenizer:
        """Every character of ``corpus`` and, up to ``vocab_size`` tokens in all, the most
        frequent words of ``train_text`` (ties in code point order)."""
        chars = sorted(set(corpus))
        counts = Counter(w for w in PIECES.findall(train_text) if len(w) > 1)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        words = [word for word, _ in ranked[: max(0, vocab_size - len(chars))]]
        return cls([*chars, *sorted(words)])

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def vocab_size(self) -> int:
        return len(self._itos)

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

    def decode(self, ids: Sequence[int]) -> str:
        size = len(self._itos)
        invalid = [i for i in ids if not 0 <= i < size]
        if invalid:
            raise UsageError(
                f"cannot decode token id {invalid[0]}: expected 0 <= id < {size} (vocabulary size)"
            )
        return "".join([self._itos[i] for i in ids])

    def to_meta(self) -> dict[str, object]:
        return {"kind": self.KIND, "vocab": list(self._itos)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WordTokenizer):
            return NotImplemented
        return self._itos == other._itos

    def __hash__(self) -> int:
        return hash((self.KIND, self._itos))
