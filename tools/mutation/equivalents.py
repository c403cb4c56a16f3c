"""Equivalent mutants: surviving mutants that no test can kill, each listed with its reason.

A mutant is equivalent when the mutated program behaves exactly like the original one for
every input (``x >= 0`` and ``x > -1`` for integers, a cache that only changes speed). Such a
mutant always survives, so it is taken out of the score, never the code out of the run.

How to mark one (see docs/testing/mutation.md): copy the module, the operator and the two
lines of its diff from ``.cache/mutation/summary.md`` into :data:`EQUIVALENT_MUTANTS` and say
why no test can tell the difference. An entry matches by module, operator and the text of the
removed and added lines (stripped of indentation), plus one line of context where two mutants
would otherwise read the same, not by line number, so it survives edits elsewhere in the
module; when the line itself changes the entry stops matching and the summary of a full run
lists it as unused, to be updated or deleted.

Mutants inside annotations that Python never evaluates are not listed here: they are skipped
before the run by one rule (:mod:`tools.mutation.annotations`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tools.mutation.results import Mutant


@dataclass(frozen=True)
class EquivalentMutant:
    module: str
    operator: str
    original: str
    """The removed line(s) of the mutant's diff, stripped, joined by newlines."""
    mutated: str
    """The added line(s), stripped, joined by newlines ("" when the mutation removes a line)."""
    reason: str
    context: str = ""
    """A line of the diff's context (stripped) that must be there too, for two mutants whose
    changed lines read the same (the same decorator on two methods)."""


def changed_text(diff: str) -> tuple[str, str]:
    """The (removed, added) lines of a unified diff, stripped and joined by newlines."""
    removed: list[str] = []
    added: list[str] = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
    return "\n".join(removed), "\n".join(added)


def matches(entry: EquivalentMutant, mutant: Mutant) -> bool:
    if (entry.module, entry.operator) != (mutant.module, mutant.operator):
        return False
    if changed_text(mutant.diff) != (entry.original, entry.mutated):
        return False
    return not entry.context or any(
        line[1:].strip() == entry.context
        for line in mutant.diff.splitlines()
        if line.startswith(" ")
    )


def find(entries: Iterable[EquivalentMutant], mutant: Mutant) -> EquivalentMutant | None:
    return next((entry for entry in entries if matches(entry, mutant)), None)


TOKENIZERS = "ml_playground/core/text_tokenizers.py"
EMA = "ml_playground/training/ema.py"
MANAGER = "ml_playground/training/checkpointing/manager.py"
BATCHES = "ml_playground/data_pipeline/batches.py"
MERGE = "ml_playground/configuration/merge.py"
VALIDATION = "ml_playground/configuration/validation.py"
LEDGER = "tools/workflow/ledger/parse.py"
SIZE = "tools/workflow/commit_rules.py"

_STRICT_ZIP = (
    "strict=True only guards an invariant: both sequences are built with the same length"
    " ({}), so zip never finds a difference in length to report"
)
_SOURCE_OF_STOP = (
    "source_of never records the empty key path (only leaves, which have at least one key),"
    " so length 0 always misses, and path[:-1] (length -1) repeats a prefix already tried:"
    " any stop from 1 down (0, -1, -2) tries the same recorded prefixes"
)
_PARSER_DEFAULT = (
    "the default is never read: {} is assigned together with the flag that makes it"
    " meaningful ({}) before finish() or a message reads it"
)

EQUIVALENT_MUTANTS: tuple[EquivalentMutant, ...] = (
    *(
        EquivalentMutant(
            TOKENIZERS,
            "core/RemoveDecorator",
            "\n@property",
            "",
            "Tokenizer is a typing.Protocol that is neither runtime_checkable nor instantiated:"
            " its members never run, so @property only matters to the type checker",
            context=context,
        )
        for context in ("def kind(self) -> str: ...", "def vocab_size(self) -> int: ...")
    ),
    EquivalentMutant(
        TOKENIZERS,
        "core/ReplaceUnaryOperator_USub_Invert",
        "ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))",
        "ranked = sorted(counts.items(), key=lambda item: (~item[1], item[0]))",
        "~n is -n - 1 for integers: the same shift for every count keeps the order of the keys",
    ),
    EquivalentMutant(
        TOKENIZERS,
        "core/NumberReplacer",
        "words = [word for word, _ in ranked[: max(0, vocab_size - len(chars))]]",
        "words = [word for word, _ in ranked[: max( -1, vocab_size - len(chars))]]",
        "from_text raises before this line unless vocab_size >= len(chars), so the second"
        " argument of max is never negative and the first never wins",
    ),
    EquivalentMutant(
        EMA,
        "core/RemoveDecorator",
        "\n@torch.no_grad()",
        "",
        "update() works only on detached tensors (_current detaches, the shadows are detached"
        " clones), so no autograd graph can be recorded with or without no_grad",
        context="def update(self, model: nn.Module) -> None:",
    ),
    EquivalentMutant(
        EMA,
        "core/ReplaceTrueWithFalse",
        "return dict(zip(self._names, self._shadows, strict=True))",
        "return dict(zip(self._names, self._shadows, strict=False))",
        _STRICT_ZIP.format("one name and one shadow per model tensor in __init__"),
    ),
    EquivalentMutant(
        EMA,
        "core/ReplaceTrueWithFalse",
        "for name, shadow in zip(self._names, self._shadows, strict=True):",
        "for name, shadow in zip(self._names, self._shadows, strict=False):",
        _STRICT_ZIP.format("one name and one shadow per model tensor in __init__"),
    ),
    EquivalentMutant(
        EMA,
        "core/ReplaceTrueWithFalse",
        "for target, shadow in zip(current, self._shadows, strict=True):",
        "for target, shadow in zip(current, self._shadows, strict=False):",
        _STRICT_ZIP.format("_current raises unless the model has exactly the averaged names"),
    ),
    EquivalentMutant(
        EMA,
        "core/ReplaceTrueWithFalse",
        "for target, original in zip(current, originals, strict=True):",
        "for target, original in zip(current, originals, strict=False):",
        _STRICT_ZIP.format("originals is a clone of each tensor in current"),
    ),
    EquivalentMutant(
        MANAGER,
        "core/ReplaceTrueWithFalse",
        "stale.path.unlink(missing_ok=True)",
        "stale.path.unlink(missing_ok=False)",
        "the stale files were listed from the directory a moment before; only another process"
        " deleting one in between could make missing_ok matter, which no single-process test"
        " can arrange without sleeps or patching",
    ),
    EquivalentMutant(
        BATCHES,
        "core/ReplaceComparisonOperator_Eq_NotEq",
        'non_blocking = device.type == "cuda"',
        'non_blocking = device.type != "cuda"',
        "non_blocking only changes how a copy to a CUDA device is scheduled; the tests run on"
        " the CPU (no accelerator here or in CI), where .to(cpu, non_blocking=True) is the"
        " same synchronous no-op",
    ),
    *(
        EquivalentMutant(
            MERGE,
            operator,
            "for length in range(len(path), -1, -1):",
            f"for length in range(len(path), {stop}, -1):",
            _SOURCE_OF_STOP,
        )
        for operator, stop in (
            ("core/ReplaceUnaryOperator_USub_Invert", "~1"),
            ("core/ReplaceUnaryOperator_USub_Not", "not 1"),
            ("core/NumberReplacer", "- 2"),
            ("core/NumberReplacer", "- 0"),
        )
    ),
    EquivalentMutant(
        VALIDATION,
        "core/NumberReplacer",
        'layered.source_of(path).label, dotted(path[: depth + 1]), "missing required table"',
        'layered.source_of(path).label, dotted(path[: depth + 2]), "missing required table"',
        "build_model checks a table before it builds the tables inside it, so a missing table"
        " is only ever found at the last key of the path, where path[: depth + 2] and"
        " path[: depth + 1] are both the whole path",
    ),
    *(
        EquivalentMutant(
            LEDGER,
            "core/NumberReplacer",
            f"{name}: int = 0",
            f"{name}: int = {value}",
            _PARSER_DEFAULT.format(name, flag),
        )
        for name, flag in (
            ("_line", "_name, in add()"),
            ("fence_line", "fence"),
            ("details_line", "details_depth going from 0 to 1"),
            ("comment_line", "in_comment"),
        )
        for value in ("1", "-1")
    ),
    EquivalentMutant(
        LEDGER,
        "core/ReplaceTrueWithFalse",
        "for number, line in zip(item_field.numbers, item_field.lines, strict=True):",
        "for number, line in zip(item_field.numbers, item_field.lines, strict=False):",
        _STRICT_ZIP.format("_EntryBuilder appends a line and its number together"),
    ),
    EquivalentMutant(
        LEDGER,
        "core/ReplaceTrueWithFalse",
        "for number, line in zip(plan.numbers, plan.lines, strict=True):",
        "for number, line in zip(plan.numbers, plan.lines, strict=False):",
        _STRICT_ZIP.format("_EntryBuilder appends a line and its number together"),
    ),
    EquivalentMutant(
        LEDGER,
        "core/ReplaceComparisonOperator_Lt_LtE",
        "if 0 <= opening < closing:",
        "if 0 <= opening <= closing:",
        "opening and closing are the positions of '(' and ')' in the same string: they can be"
        " equal only when both are -1, which 0 <= opening already rejects",
    ),
    EquivalentMutant(
        LEDGER,
        "core/NumberReplacer",
        "self.fence = fence.group(1)",
        "self.fence = fence.group( 0)",
        "the fence pattern ^(`{3,}|~{3,}) is one group spanning the whole match, so group 0"
        " and group 1 are the same text",
    ),
    EquivalentMutant(
        SIZE,
        "core/NumberReplacer",
        "index = 0",
        "index = -1",
        "git's -z output ends with a NUL, so the last token is always empty: starting at -1"
        " skips that empty token first and then reads the same records from 0",
    ),
    EquivalentMutant(
        SIZE,
        "core/ReplaceContinueWithBreak",
        "continue",
        "break",
        "git's -z output has exactly one empty token, the last one, so stopping there or"
        " skipping it ends the loop the same way",
    ),
    EquivalentMutant(
        SIZE,
        "core/ReplaceOrWithAnd",
        "elif change.added is None or change.removed is None:",
        "elif change.added is None and change.removed is None:",
        "git reports a binary file as '-' for both counts, so added and removed are None"
        " together or not at all",
    ),
    EquivalentMutant(
        SIZE,
        "core/ReplaceUnaryOperator_USub_Invert",
        "for path, count in sorted(report.counted, key=lambda item: (-item[1], item[0]))",
        "for path, count in sorted(report.counted, key=lambda item: (~item[1], item[0]))",
        "~n is -n - 1, which orders integers exactly as -n does",
    ),
)
"""Every surviving mutant that no test can kill, one by one with the reason (measured on the
full run recorded in docs/testing/mutation.md)."""
