"""Which mutants sit in annotations Python never evaluates, and the filter that records them as
skipped in a real cosmic-ray session before the run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tools.mutation.annotations import (
    SKIP_NOTE,
    Span,
    in_any,
    main,
    unevaluated_annotation_spans,
)
from tools.mutation.results import Outcome, read_session

pytestmark = pytest.mark.unit

needs_cosmic_ray = pytest.mark.skipif(
    importlib.util.find_spec("cosmic_ray") is None,
    reason="cosmic-ray is not installed (the `mutation` dependency group)",
)

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


@pytest.mark.parametrize(
    "first_line",
    ["from typing import Any", "from __future__ import division", "from other import annotations"],
)
def test_only_the_future_import_of_annotations_postpones_them(first_line: str) -> None:
    source = f"{first_line}\n\n\ndef f(a: int | None) -> None:\n    pass\n"
    assert unevaluated_annotation_spans(source) == []


def test_an_annotation_over_several_lines_ends_on_its_last_line() -> None:
    source = (
        "from __future__ import annotations\n\n\n"
        "def f(\n    a: dict[\n        str, int | None\n    ],\n) -> None:\n    pass\n"
    )
    assert unevaluated_annotation_spans(source) == [Span(5, 7, 7, 5), Span(8, 5, 8, 9)]
    assert in_any(unevaluated_annotation_spans(source), 6, 18)  # the | inside it


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


MODULE = """\
from __future__ import annotations


def f(x: int | None = 1) -> tuple[int, 2]:
    return x or 3
"""
CONFIG = """\
[cosmic-ray]
module-path = "mod.py"
timeout = 10
excluded-modules = []
test-command = "true"

[cosmic-ray.distributor]
name = "local"
"""


@needs_cosmic_ray
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["plain", "byte-order-mark"])
def test_the_filter_marks_the_annotation_mutants_of_a_session_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bom: str
) -> None:
    (tmp_path / "mod.py").write_text(bom + MODULE, encoding="utf-8")
    (tmp_path / "cosmic-ray.toml").write_text(CONFIG)
    session = tmp_path / "session.sqlite"
    init = [sys.executable, "-m", "cosmic_ray.cli", "init", "cosmic-ray.toml", str(session)]
    subprocess.run(init, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    monkeypatch.chdir(tmp_path)

    assert main([str(session)]) == 0

    mutants = read_session(session)
    spans = unevaluated_annotation_spans(MODULE)
    skipped = [m for m in mutants if m.outcome is Outcome.SKIPPED]
    assert skipped
    assert all(m.note == SKIP_NOTE and in_any(spans, m.line, m.column) for m in skipped)
    pending = [m for m in mutants if m.outcome is Outcome.PENDING]
    # The code is mutated as usual: the default 1, the `or` and the 3.
    assert {(m.line, m.column) for m in pending} == {(4, 22), (5, 13), (5, 16)}
    assert len(skipped) + len(pending) == len(mutants)


def test_an_annotation_on_the_last_line_keeps_its_columns() -> None:
    source = "from __future__ import annotations\ndef f(x: int): pass"
    assert unevaluated_annotation_spans(source) == [Span(2, 9, 2, 12)]


@needs_cosmic_ray
def test_run_as_a_script_the_filter_reads_its_session_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "session.sqlite").touch()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["annotations.py", "session.sqlite"])
    assert main() == 0
    # cosmic-ray made the empty file a session: its tables are there, with nothing to run.
    assert read_session(tmp_path / "session.sqlite") == []


def test_lines_are_counted_as_python_counts_them_not_at_every_break_character() -> None:
    """A form feed in a comment is no line break to Python's parser (nor to cosmic-ray's)."""
    source = "from __future__ import annotations\n# a\x0cb\x85c\ndef f(x: int): pass\n"
    assert unevaluated_annotation_spans(source) == [Span(3, 9, 3, 12)]
