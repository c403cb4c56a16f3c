"""Which mutants sit in annotations Python never evaluates (skipped before the run)."""

from __future__ import annotations

import pytest

from tools.mutation.annotations import Span, in_any, unevaluated_annotation_spans

pytestmark = pytest.mark.unit

SOURCE = """\
from __future__ import annotations


def f(a: int | None, *rest: str | bytes, key: dict[str, int] = {}, **kw: int) -> int | None:
    local: list[int | str] = [1 | 2]
    class Inner:
        field: int | None = None
    return a


class Config:
    name: str | None = None

    def method(self, é: str, x: int | None) -> tuple[int, 2]:
        return (1, 2)


top: int | None = None
"""


def test_function_signatures_and_locals_are_covered_but_not_class_fields() -> None:
    spans = unevaluated_annotation_spans(SOURCE)
    lines = SOURCE.splitlines()
    texts = [lines[s.start_line - 1][s.start_column : s.end_column] for s in spans]
    assert texts == [
        "int | None",
        "str | bytes",
        "dict[str, int]",
        "int",
        "int | None",
        "list[int | str]",
        "str",
        "int | None",
        "tuple[int, 2]",
    ]


def test_positions_inside_an_annotation_are_skipped_and_code_is_not() -> None:
    spans = unevaluated_annotation_spans(SOURCE)
    assert in_any(spans, 4, 13)  # the | of `int | None` in the parameter
    assert in_any(spans, 5, 21)  # the | inside the local variable's annotation
    assert not in_any(spans, 5, 31)  # the | of `1 | 2`, a value
    assert not in_any(spans, 7, 19)  # a field of a class defined in the function
    assert not in_any(spans, 12, 14)  # a class field: dataclasses may read it back
    assert in_any(spans, 14, 58)  # the 2 of `tuple[int, 2]`, after a non-ASCII name
    assert not in_any(spans, 15, 19)  # the 2 of `return (1, 2)`
    assert not in_any(spans, 18, 9)  # a module-level annotation


def test_without_postponed_evaluation_annotations_are_code() -> None:
    assert unevaluated_annotation_spans("def f(a: int | None) -> None:\n    pass\n") == []


def test_span_ends_are_exclusive() -> None:
    span = Span(3, 4, 3, 8)
    assert span.contains(3, 4)
    assert span.contains(3, 7)
    assert not span.contains(3, 8)
    assert not span.contains(2, 5)


def test_a_function_without_a_return_annotation_has_only_its_parameters_and_locals() -> None:
    source = (
        "from __future__ import annotations\n\n\n"
        "async def run(x: int, y=1 | 2):\n    total: float = x | y\n    return total\n"
    )
    spans = unevaluated_annotation_spans(source)
    lines = source.splitlines()
    assert [lines[s.start_line - 1][s.start_column : s.end_column] for s in spans] == [
        "int",
        "float",
    ]
