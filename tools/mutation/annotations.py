"""Which mutants sit inside a type annotation that Python never evaluates.

Every module of the project starts with ``from __future__ import annotations`` (ruff's
required import), so annotations are kept as strings and never evaluated at run time.
cosmic-ray still mutates them (``str | None`` becomes ``str & None``, ``tuple[int, int]``
becomes ``tuple[int, 2]``), and no test can notice: these mutants are equivalent by
construction. They are recorded as skipped before the run instead of costing a test run each:
``python -m tools.mutation.annotations SESSION`` is a filter in the manner of cosmic-ray's own
(``cr-filter-pragma``), through cosmic-ray's session API, run from the directory the session's
module paths are relative to.

The rule is deliberately narrow: only the annotations of function parameters and return values
and of variables inside function bodies. Class-level annotations (dataclass fields) may be read
back through ``typing.get_type_hints`` (the configuration validation does exactly that), and
module-level ones could be, so they are mutated like any other code. A module without the
``__future__`` import gets no skips at all.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIP_NOTE = "annotation (never evaluated: from __future__ import annotations)"


@dataclass(frozen=True, order=True)
class Span:
    """A region of source: 1-based lines, 0-based character columns, end exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    def contains(self, line: int, column: int) -> bool:
        return (
            (self.start_line, self.start_column)
            <= (line, column)
            < (
                self.end_line,
                self.end_column,
            )
        )


def _has_postponed_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )


def _function_annotations(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    arguments = function.args
    parameters = [
        *arguments.posonlyargs,
        *arguments.args,
        *arguments.kwonlyargs,
        *([arguments.vararg] if arguments.vararg else []),
        *([arguments.kwarg] if arguments.kwarg else []),
    ]
    found = [p.annotation for p in parameters if p.annotation is not None]
    if function.returns is not None:
        found.append(function.returns)
    # Local variables: the function body, without descending into classes defined in it.
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            continue
        if isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _character_column(lines: list[str], line: int, byte_column: int) -> int:
    """``ast`` counts columns in UTF-8 bytes; cosmic-ray (parso) in characters."""
    text = lines[line - 1]
    return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))


def unevaluated_annotation_spans(source: str) -> list[Span]:
    """The spans of the annotations the rule above covers, sorted; none without the import."""
    tree = ast.parse(source)
    if not _has_postponed_annotations(tree):
        return []
    # Lines as Python's parser counts them: str.splitlines also breaks at \f, \v, \x85...
    lines = re.split(r"\r\n|\r|\n", source)
    spans: set[Span] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for annotation in _function_annotations(node):
            end_line = annotation.end_lineno or annotation.lineno
            end_column = annotation.end_col_offset or annotation.col_offset
            spans.add(
                Span(
                    annotation.lineno,
                    _character_column(lines, annotation.lineno, annotation.col_offset),
                    end_line,
                    _character_column(lines, end_line, end_column),
                )
            )
    return sorted(spans)


def in_any(spans: list[Span], line: int, column: int) -> bool:
    return any(span.contains(line, column) for span in spans)


def main(argv: Sequence[str] | None = None) -> int:
    (session,) = sys.argv[1:] if argv is None else argv
    work_db: Any = importlib.import_module("cosmic_ray.work_db")
    work_item: Any = importlib.import_module("cosmic_ray.work_item")
    spans: dict[Path, list[Span]] = {}
    with work_db.use_db(session, work_db.WorkDB.Mode.open) as db:
        for item in db.pending_work_items:
            for mutation in item.mutations:
                path = Path(mutation.module_path)
                if path not in spans:
                    spans[path] = unevaluated_annotation_spans(path.read_text(encoding="utf-8-sig"))
                if in_any(spans[path], *mutation.start_pos):
                    skipped = work_item.WorkerOutcome.SKIPPED
                    result = work_item.WorkResult(output=SKIP_NOTE, worker_outcome=skipped)
                    db.set_result(item.job_id, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
