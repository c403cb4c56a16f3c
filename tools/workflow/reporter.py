"""Where workflow functions write: stdout for results, stderr for problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Reporter:
    """Two text streams; tests pass io.StringIO, the tasks pass sys.stdout and sys.stderr."""

    out: TextIO
    err: TextIO

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(f"warning: {text}\n")
        self.err.flush()

    def error(self, text: str) -> None:
        self.err.write(f"error: {text}\n")
        self.err.flush()

    def note(self, text: str) -> None:
        """A detail line on stderr, printed after an error or warning."""
        self.err.write(f"  {text}\n")
        self.err.flush()
