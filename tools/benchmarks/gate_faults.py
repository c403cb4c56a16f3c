"""Real faults for ``bench_gate``: one-line changes the unit and property tests catch.

Each is data: the file, the exact original text (found by text, never by line number, and
required to occur once), its replacement and a name. The first 22 are mutants of the kind
cosmic-ray makes and the suite kills (a flipped comparison, a shifted boundary, a negated
condition), spread over ``ml_playground/`` and ``tools/workflow/``. The last are faults that
no test process runs as Python lines: a file read as data, a module a child process runs.
When the text has moved, the one file below the same top directory that holds it is used
(:func:`tools.benchmarks.bench_gate.locate`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    path: str
    original: str
    replacement: str


def _in(path: str, *mutants: tuple[str, str, str]) -> tuple[Fault, ...]:
    return tuple(Fault(name, path, original, new) for name, original, new in mutants)


FAULTS = (
    *_in(
        "ml_playground/training/optim/lr_scheduler.py",
        ("lr-warmup-boundary", "    if iteration < warmup:", "    if iteration <= warmup:"),
        ("lr-decay-end-boundary", "if iteration >= decay_end:", "if iteration > decay_end:"),
        ("lr-warmup-ramp", "rate * (iteration + 1) / (warmup", "rate * iteration / (warmup"),
    ),
    *_in(
        "ml_playground/training/ema.py",
        ("ema-decay-range", "if not 0.0 <= decay < 1.0:", "if not 0.0 <= decay <= 1.0:"),
        ("ema-state-keys", "if missing or unexpected:", "if missing and unexpected:"),
    ),
    *_in(
        "ml_playground/core/tokenizers.py",
        ("tokenizer-decode-range", "if not 0 <= i < size]", "if not 0 <= i <= size]"),
        ("tokenizer-vocab-order", "cls(sorted(set(text)))", "cls(list(dict.fromkeys(text)))"),
    ),
    *_in(
        "ml_playground/data_pipeline/sampling/batches.py",
        ("batches-short-corpus", "    if n_tokens < 2:", "    if n_tokens < 1:"),
    ),
    *_in(
        "ml_playground/configuration/merge.py",
        ("merge-table-type", "if was_table != isinstance(", "if was_table == isinstance("),
        ("merge-unknown-key", "            if key not in base:", "            if key in base:"),
    ),
    *_in(
        "ml_playground/configuration/validation.py",
        ("validation-open-low", "value <= low if rules", "value < low if rules"),
        ("validation-closed-high", "else value > high", "else value >= high"),
    ),
    *_in(
        "tools/workflow/commit_rules.py",
        ("commit-size-boundary", "return self.total > budget", "return self.total >= budget"),
        ("commit-size-generated", "if path in GENERATED_FILES:", "if path not in GENERATED_FILES:"),
        ("commit-size-budget", "LINE_BUDGET = 200", "LINE_BUDGET = 201"),
        ("commit-header-length", "header) > HEADER_MAX", "header) >= HEADER_MAX"),
        ("commit-type-allowed", "if kind not in allowed_types:", "if kind in allowed_types:"),
        ("commit-body-blank-line", "len(lines) > 1 and lines[1]", "len(lines) > 2 and lines[1]"),
    ),
    *_in(
        "tools/workflow/versioning.py",
        ("branch-double-dot", '    if ".." in name:', '    if "..." in name:'),
        ("branch-lock-suffix", 'component.endswith(".lock")', 'component.endswith(".lck")'),
        ("branch-leading-dash", 'if name.startswith("-"):', 'if name.startswith("--"):'),
    ),
    *_in(
        "tools/workflow/ledger/parse.py",
        ("ledger-planned-commits", "is None and planned:", "is None and not planned:"),
    ),
    *_in(
        "ml_playground/experiments/stdlib_char/config.toml",
        ("experiment-max-iters", "max_iters = 2000", "max_iters = 2001"),
    ),
    *_in(
        ".dev-guidelines/GIT_VERSIONING.md",
        ("guide-commit-type", "| `perf` |", "| perf |"),
    ),
    *_in("tasks.py", ("task-renamed", "def status(c: Context)", "def state(c: Context)")),
)
