"""What the char and word tokenizers share: ids that are positions in a list of token strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ml_playground.core.errors import UsageError


def check_ids(ids: Sequence[int], vocab_size: int) -> None:
    """Every id must name a token; the first one that does not is a UsageError."""
    invalid = [i for i in ids if not 0 <= i < vocab_size]
    if invalid:
        raise UsageError(
            f"cannot decode token id {invalid[0]}: expected 0 <= id < {vocab_size}"
            " (vocabulary size)"
        )


class VocabularyTokenizer:
    """Decoding joins the tokens of the ids; ``meta.json`` stores the list itself. Subclasses
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
