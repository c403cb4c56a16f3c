"""Dependencies become testmon's file/line data: whole files, or the lines that ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.gate.conftest import graph_of
from tools.gate.dep_lines import DepLines
from tools.gate.file_deps import Deps
from tools.gate.stand_ins import TREE_FILE, listing_file

pytestmark = pytest.mark.unit

GRAPH = graph_of(
    {
        "tools.a": {"tools.b"},
        "tools.b": set(),
        "tests.test_a": {"tools.a"},
    }
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    files = {
        "tools/a.py": '"""A."""\n\nimport tools.b\n\n\ndef f():\n    return 1\n',
        "tools/b.py": "# comment first\nX = 1\n",
        "tools/data/table.toml": "x = 1\n",
        "tools/__pycache__/a.cpython-311.pyc": "",
        "tests/test_a.py": "import tools.a\n",
        "notes.txt": "one\ntwo\n",
        TREE_FILE: "tree\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_files_modules_listings_and_the_tree_as_whole_files(root: Path) -> None:
    lines = DepLines(root, lambda: GRAPH)
    deps = Deps(
        files={"notes.txt", "gone.txt"},
        modules={"tools.a"},
        listings={"tools"},
        opaque=True,
        lines={"tools/a.py": {6}},
    )
    found = lines.files_lines(deps)
    stand_in = listing_file("tools")
    assert (root / stand_in).read_text(encoding="utf-8") == "listing of tools\na.py\nb.py\ndata\n"
    assert found == {
        "notes.txt": {1, 2, 3},
        "tools/a.py": set(range(1, 9)),
        "tools/b.py": {1, 2, 3},
        "tools/data/table.toml": {1, 2},
        stand_in: set(range(1, 6)),
        TREE_FILE: {1, 2},
    }
    assert lines.files_lines(Deps(lines={"tools/a.py": {6}})) == {"tools/a.py": {6}}


def test_import_lines_cover_the_module_block_of_everything_imported(root: Path) -> None:
    lines = DepLines(root, lambda: GRAPH)
    ran = {"tools/a.py": {1, 3, 6}}
    assert lines.import_lines("tests/test_a.py", ran) == {
        "tests/test_a.py": {1},
        "tools/a.py": {1, 3, 6},
        "tools/b.py": {2},
    }
    assert lines.import_lines("tests/test_a.py", {}) is lines.import_lines("tests/test_a.py", ran)
    assert lines.import_lines("conftest.py", ran) == {}
    (root / "tools" / "b.py").write_text("def (\n", encoding="utf-8")
    assert DepLines(root, lambda: GRAPH).first_statement("tools/b.py") is None
    assert DepLines(root, lambda: GRAPH).first_statement("tools/missing.py") is None
