"""Real faults for ``bench_gate``: one-line changes the unit and property tests catch.

Each is data: the file, the exact original text (found by text, never by line number, and
required to occur once), its replacement and a name. They are mutants of the kind cosmic-ray
makes and the suite kills (a flipped comparison, a shifted boundary, a negated condition),
spread over ``ml_playground/`` and ``tools/workflow/``. When the text has moved, the one file
below the same top directory that holds it is used (:func:`tools.benchmarks.bench_gate.locate`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    path: str
    original: str
    replacement: str


FAULTS = (
    Fault(
        "lr-warmup-boundary",
        "ml_playground/training/optim/lr_scheduler.py",
        "    if iteration < warmup:",
        "    if iteration <= warmup:",
    ),
    Fault(
        "lr-decay-end-boundary",
        "ml_playground/training/optim/lr_scheduler.py",
        "    if iteration >= decay_end:",
        "    if iteration > decay_end:",
    ),
    Fault(
        "lr-warmup-ramp",
        "ml_playground/training/optim/lr_scheduler.py",
        "learning_rate * (iteration + 1) / (warmup + 1)",
        "learning_rate * iteration / (warmup + 1)",
    ),
    Fault(
        "ema-decay-range",
        "ml_playground/training/ema.py",
        "        if not 0.0 <= decay < 1.0:",
        "        if not 0.0 <= decay <= 1.0:",
    ),
    Fault(
        "ema-state-keys",
        "ml_playground/training/ema.py",
        "        if missing or unexpected:",
        "        if missing and unexpected:",
    ),
    Fault(
        "tokenizer-decode-range",
        "ml_playground/core/tokenizers.py",
        "invalid = [i for i in ids if not 0 <= i < size]",
        "invalid = [i for i in ids if not 0 <= i <= size]",
    ),
    Fault(
        "tokenizer-vocab-order",
        "ml_playground/core/tokenizers.py",
        "        return cls(sorted(set(text)))",
        "        return cls(list(dict.fromkeys(text)))",
    ),
    Fault(
        "batches-short-corpus",
        "ml_playground/data_pipeline/sampling/batches.py",
        "    if n_tokens < 2:",
        "    if n_tokens < 1:",
    ),
    Fault(
        "merge-table-type",
        "ml_playground/configuration/merge.py",
        "            if was_table != isinstance(value, Mapping):",
        "            if was_table == isinstance(value, Mapping):",
    ),
    Fault(
        "merge-unknown-key",
        "ml_playground/configuration/merge.py",
        "            if key not in base:",
        "            if key in base:",
    ),
    Fault(
        "validation-open-low",
        "ml_playground/configuration/validation.py",
        'value <= low if rules["low_open"] else value < low',
        'value < low if rules["low_open"] else value < low',
    ),
    Fault(
        "validation-closed-high",
        "ml_playground/configuration/validation.py",
        'value >= high if rules["high_open"] else value > high',
        'value >= high if rules["high_open"] else value >= high',
    ),
    Fault(
        "commit-size-boundary",
        "tools/workflow/commit_rules.py",
        "        return self.total > budget",
        "        return self.total >= budget",
    ),
    Fault(
        "commit-size-generated",
        "tools/workflow/commit_rules.py",
        "    if path in GENERATED_FILES:",
        "    if path not in GENERATED_FILES:",
    ),
    Fault(
        "commit-size-budget",
        "tools/workflow/commit_rules.py",
        "LINE_BUDGET = 200",
        "LINE_BUDGET = 201",
    ),
    Fault(
        "commit-header-length",
        "tools/workflow/commit_rules.py",
        "    if len(header) > HEADER_MAX_LENGTH:",
        "    if len(header) >= HEADER_MAX_LENGTH:",
    ),
    Fault(
        "commit-type-allowed",
        "tools/workflow/commit_rules.py",
        "    if kind not in allowed_types:",
        "    if kind in allowed_types:",
    ),
    Fault(
        "commit-body-blank-line",
        "tools/workflow/commit_rules.py",
        "    if len(lines) > 1 and lines[1].strip():",
        "    if len(lines) > 2 and lines[1].strip():",
    ),
    Fault(
        "branch-double-dot",
        "tools/workflow/versioning.py",
        '    if ".." in name:',
        '    if "..." in name:',
    ),
    Fault(
        "branch-lock-suffix",
        "tools/workflow/versioning.py",
        '        if component.endswith(".lock"):',
        '        if component.endswith(".lck"):',
    ),
    Fault(
        "branch-leading-dash",
        "tools/workflow/versioning.py",
        '    if name.startswith("-"):',
        '    if name.startswith("--"):',
    ),
    Fault(
        "ledger-planned-commits",
        "tools/workflow/ledger/parse.py",
        "        if branch is None and planned:",
        "        if branch is None and not planned:",
    ),
)
