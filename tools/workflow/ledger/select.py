"""Find the ledger entry a user means by an id, an id prefix, a section label or title words.

When several entries match, entries that cannot be started now are set aside: Done and
Deferred entries, and entries whose Dependencies name an entry that is not Done. If exactly
one entry remains it is chosen; otherwise the candidates are listed, numbered, and the user
picks one with ``--pick N``.

An entry's ``Dependencies`` field names another entry by
- its id, when exactly one entry carries that id (``tv-2025-10-03:PR35``);
- its title, quoted or not ("Adopt PEP 420 import policy");
- its head phrase: the title's words before the first linking word such as "to", "towards",
  "into" or "for", when that is at least two words ("Coverage roadmap task" names
  "Coverage roadmap towards ~100%").
Matching ignores case and punctuation and respects word boundaries.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.ledger.model import TASK_ID_IN_TEXT, Ledger, LedgerEntry


@dataclass(frozen=True)
class Selection:
    """The chosen entry and the other matches that were set aside, with the reason."""

    entry: LedgerEntry
    set_aside: tuple[tuple[LedgerEntry, str], ...]


def _label_key(label: str) -> str:
    return "-".join(label.casefold().split())


def matching_entries(ledger: Ledger, query: str) -> list[LedgerEntry]:
    """Exact id or label matches; else id prefix matches; else title substring matches."""
    wanted = query.strip()
    if not wanted:
        return []
    key = _label_key(wanted)
    exact = [
        entry
        for entry in ledger.entries
        if entry.raw_id == wanted or (entry.label is not None and _label_key(entry.label) == key)
    ]
    if exact:
        return exact
    prefixed = [e for e in ledger.entries if e.raw_id is not None and e.raw_id.startswith(wanted)]
    if prefixed:
        return prefixed
    folded = wanted.casefold()
    return [entry for entry in ledger.entries if folded in entry.title.casefold()]


def set_aside_reason(entry: LedgerEntry, ledger: Ledger) -> str | None:
    """Why an ambiguous match should not be the one started, or None."""
    if entry.status == "Done":
        return "already Done"
    if entry.status == "Deferred":
        return "Deferred"
    waiting = blockers(entry, ledger)
    if waiting:
        names = "; ".join(f'"{other.title}" ({other.status})' for other in waiting)
        return f"waits for {names}"
    return None


def select_entry(ledger: Ledger, query: str, pick: int | None, command: str) -> Selection:
    """The entry ``query`` means; ``command`` is the task name shown in the pick hint."""
    matches = matching_entries(ledger, query)
    if not matches:
        raise WorkflowError(
            ExitCode.USAGE,
            f"no ledger entry matches '{query}' (expected an id like tv-YYYY-MM-DD:PR###, "
            "an id prefix, 'Task N' or words from a title; see 'invoke tasks --all')",
        )
    if pick is not None:
        if not 1 <= pick <= len(matches):
            raise WorkflowError(
                ExitCode.USAGE,
                f"--pick {pick} is out of range: '{query}' matches {len(matches)} entries",
            )
        return Selection(matches[pick - 1], ())
    if len(matches) == 1:
        return Selection(matches[0], ())
    reasons = [(entry, set_aside_reason(entry, ledger)) for entry in matches]
    remaining = [entry for entry, reason in reasons if reason is None]
    if len(remaining) == 1:
        (only,) = remaining
        aside = tuple((entry, reason) for entry, reason in reasons if reason is not None)
        return Selection(only, aside)
    details: list[str] = []
    for number, (entry, reason) in enumerate(reasons, start=1):
        suffix = f"  [set aside: {reason}]" if reason is not None else ""
        details.append(
            f"{number}. {entry.display_id} · {entry.status} · {entry.title} "
            f"(line {entry.heading_line}){suffix}"
        )
    details.append(f"pick one: invoke {command} {shlex.quote(query)} --pick <N>")
    raise WorkflowError(
        ExitCode.USAGE,
        f"'{query}' matches {len(matches)} entries and {len(remaining)} of them can be "
        "started now; choose one",
        details,
    )


_LINKING_WORDS = frozenset(
    {
        "across",
        "after",
        "and",
        "before",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "to",
        "toward",
        "towards",
        "under",
        "via",
        "with",
    }
)


def _normalise(text: str) -> str:
    cleaned = "".join(char if char.isalnum() else " " for char in text.casefold())
    return " ".join(cleaned.split())


def head_phrase(title: str) -> str | None:
    """The title's words before the first linking word, or None when shorter than two words."""
    words = _normalise(title).split()
    head: list[str] = []
    for word in words:
        if word in _LINKING_WORDS:
            break
        head.append(word)
    if len(head) < 2 or len(head) == len(words):
        return None
    return " ".join(head)


def referenced_entries(entry: LedgerEntry, ledger: Ledger) -> list[LedgerEntry]:
    """Entries named by ``entry``'s Dependencies field, in ledger order, without itself."""
    text = entry.field_text("Dependencies")
    if not text:
        return []
    padded = f" {_normalise(text)} "
    mentioned_ids = set(TASK_ID_IN_TEXT.findall(text))
    found: list[LedgerEntry] = []
    for other in ledger.entries:
        if other is entry:
            continue
        if other.raw_id is not None and other.raw_id in mentioned_ids:
            holders = [e for e in ledger.entries if e.raw_id == other.raw_id]
            if len(holders) == 1:
                found.append(other)
                continue
        title = _normalise(other.title)
        head = head_phrase(other.title)
        if (title and f" {title} " in padded) or (head is not None and f" {head} " in padded):
            found.append(other)
    return found


def blockers(entry: LedgerEntry, ledger: Ledger) -> list[LedgerEntry]:
    """Named dependencies that are not Done yet."""
    return [other for other in referenced_entries(entry, ledger) if other.status != "Done"]
