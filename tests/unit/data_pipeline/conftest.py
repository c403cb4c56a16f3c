"""A fake standard library tree: what ``stdlib_corpus`` keeps, skips and never looks into."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FAKE_STDLIB_FILES: dict[str, bytes] = {
    "a.py": b"import os\n",
    "b.py": b"B = 'b'\n",
    "b/__init__.py": b"",
    "b/c.py": b"x = 1\r\ny = 2\r\n",
    "bad_utf8.py": b"x = '\xff'\n",
    "form_feed.py": b"x = 1\n\x0c\n",
    "latin.py": "s = '\u00e9'\n".encode(),
    "notes.txt": b"not python\n",
    "tab.py": b"if x:\n\tpass\n",
    "site-packages/pkg.py": b"site = 1\n",
    "dist-packages/pkg.py": b"dist = 1\n",
    "test/test_a.py": b"test = 1\n",
    "b/tests/test_c.py": b"tests = 1\n",
    "idlelib/idle_test/test_x.py": b"idle = 1\n",
    "__pycache__/a.py": b"cache = 1\n",
    "b/__pycache__/c.py": b"cache = 2\n",
}


@pytest.fixture
def fake_stdlib(tmp_path: Path) -> Path:
    root = tmp_path / "stdlib"
    for relative, content in FAKE_STDLIB_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if sys.platform != "win32":
        (root / "dangling.py").symlink_to(root / "missing.py")
    return root
