"""Line splitting that keeps line endings, so line numbers and bytes agree everywhere.

Only ``\\n`` ends a line; a ``\\r`` right before it belongs to the line ending. Splitting the
bytes of a file and splitting its decoded text give the same number of lines.
"""

from __future__ import annotations


def split_keepends(data: bytes) -> list[bytes]:
    """Split ``data`` after every ``\\n``; joining the parts gives ``data`` back exactly."""
    if not data:
        return []
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def split_text_keepends(text: str) -> list[str]:
    """The ``str`` twin of :func:`split_keepends`."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_ending(line: bytes) -> bytes:
    """The line ending of one line from :func:`split_keepends` (``b""`` for the last line)."""
    if line.endswith(b"\r\n"):
        return b"\r\n"
    if line.endswith(b"\n"):
        return b"\n"
    return b""


def strip_ending(line: str) -> str:
    """Drop one ``\\n`` and then one ``\\r`` from the end of a decoded line."""
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line
