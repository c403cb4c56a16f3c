"""The one error type of the mutation tools."""

from __future__ import annotations


class MutationError(Exception):
    """The settings, the revision, the repository or a cosmic-ray step is unusable; the message
    says what in one line (a failed tool adds the end of its output below it)."""
