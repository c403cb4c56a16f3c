"""Ledger edits change exactly one heading's bytes, whatever surrounds it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.workflow.ledger.model import STATUSES, split_keepends
from tools.workflow.ledger.parse import parse_ledger_bytes
from tools.workflow.ledger.store import with_status

pytestmark = pytest.mark.property

_ENDINGS = st.sampled_from([b"\n", b"\r\n"])
_PLAIN_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="#`~<>=|-"
    ),
    max_size=30,
)
_LINES = st.lists(st.tuples(_PLAIN_TEXT, _ENDINGS), max_size=8)
_TITLES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=20,
).filter(lambda title: "·" not in title)


def _join(lines: list[tuple[str, bytes]]) -> bytes:
    return b"".join(text.encode() + ending for text, ending in lines)


@given(
    before=_LINES,
    after=_LINES,
    old=st.sampled_from(STATUSES),
    new=st.sampled_from(STATUSES),
    title=_TITLES,
    ending=_ENDINGS,
)
def test_only_the_heading_line_changes(
    before: list[tuple[str, bytes]],
    after: list[tuple[str, bytes]],
    old: str,
    new: str,
    title: str,
    ending: bytes,
) -> None:
    heading = f"### {old} · tv-2025-03-04:PR12 · {title}"
    prefix = _join(before)
    suffix = b"\n" + _join(after)
    data = prefix + heading.encode() + ending + suffix
    entry = parse_ledger_bytes(data).entries[0]

    edited = with_status(data, entry, new)

    expected_heading = f"### {new} · tv-2025-03-04:PR12 · {title}".encode()
    assert edited == prefix + expected_heading + ending + suffix
    assert len(split_keepends(edited)) == len(split_keepends(data))
    assert with_status(edited, parse_ledger_bytes(edited).entries[0], old) == data
