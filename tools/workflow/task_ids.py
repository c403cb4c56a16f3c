"""Ledger task identifiers: ``tv-YYYY-MM-DD:PR###`` or ``tv-YYYY-MM-DD:PR??`` (no PR yet)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

TASK_ID_PATTERN = re.compile(r"^tv-(?P<date>\d{4}-\d{2}-\d{2}):PR(?P<pr>[1-9]\d*|\?\?)$")
"""The whole identifier, anchored."""

TASK_ID_IN_TEXT = re.compile(r"tv-\d{4}-\d{2}-\d{2}:PR(?:\d+|\?\?)")
"""An identifier mentioned somewhere in free text (Dependencies, References)."""

EXPECTED_FORM = "tv-YYYY-MM-DD:PR### (or PR?? before the PR exists)"


@dataclass(frozen=True)
class TaskId:
    """A parsed identifier; ``pr`` is None while the pull request does not exist yet."""

    date: datetime.date
    pr: int | None

    def __str__(self) -> str:
        number = "??" if self.pr is None else str(self.pr)
        return f"tv-{self.date.isoformat()}:PR{number}"


def parse_task_id(text: str) -> TaskId | None:
    """Parse an identifier; None when it breaks the format or names an impossible date."""
    match = TASK_ID_PATTERN.match(text)
    if match is None:
        return None
    try:
        date = datetime.date.fromisoformat(match.group("date"))
    except ValueError:
        return None
    pr_text = match.group("pr")
    return TaskId(date=date, pr=None if pr_text == "??" else int(pr_text))
