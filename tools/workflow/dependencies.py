"""Which ledger entries an entry's ``Dependencies`` field names, and which of them block it.

A dependency names another entry by
- its id, when exactly one entry carries that id (``tv-2025-10-03:PR35``);
- its title, quoted or not ("Adopt PEP 420 import policy");
- its head phrase: the title's words before the first linking word such as "to", "towards",
  "into" or "for", when that is at least two words ("Coverage roadmap task" names
  "Coverage roadmap towards ~100%").
Matching ignores case and punctuation and respects word boundaries.
"""

from __future__ import annotations

from tools.workflow.ledger.model import TASK_ID_IN_TEXT, Ledger, LedgerEntry

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
