"""Who imports whom: the closure downwards (what runs) and upwards (what pyright rechecks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.gate.conftest import graph_of
from tools.gate.import_graph import imported_modules, load_graph, module_for_path

pytestmark = pytest.mark.unit

GRAPH = graph_of(
    {
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.c"},
        "pkg.c": set(),
        "pkg.d": {"pkg.c"},
        "script": {"pkg.a"},
    }
)


def test_closure_is_everything_a_module_imports_directly_or_not() -> None:
    assert GRAPH.closure(["pkg.a"]) == {"pkg.a", "pkg.b", "pkg.c"}
    assert GRAPH.closure(["pkg.a.function", "elsewhere"]) == {"pkg.a", "pkg.b", "pkg.c"}


def test_importers_are_every_module_that_reaches_a_module() -> None:
    assert GRAPH.importers(["pkg.c"]) == {"pkg.a", "pkg.b", "pkg.c", "pkg.d", "script"}
    assert GRAPH.importers(["pkg.a"]) == {"pkg.a", "script"}
    assert GRAPH.importers(["new.module"]) == set()


def test_the_graph_of_packages_and_scripts_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "gatealpha/core.py": "X = 1\n",
        "gatealpha/sub/use.py": "from gatealpha import core\n",
        "gatebeta/top.py": "def f():\n    from gatealpha.sub import use\n",
        "run_me.py": "import gatebeta.top\nimport os\n",
        "broken.py": "def (\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = load_graph(tmp_path, ("gatealpha", "gatebeta", "absent"), ("run_me", "broken", "none"))
    assert graph.importers(["gatealpha.core"]) == {
        "gatealpha.core",
        "gatealpha.sub.use",
        "gatebeta.top",
        "run_me",
    }
    assert graph.closure(["run_me"]) == {
        "run_me",
        "gatebeta.top",
        "gatealpha.sub.use",
        "gatealpha.core",
    }
    assert graph.closure(["broken"]) == {"broken"}
    assert "gatealpha.sub" not in graph.files


def test_imports_and_module_names() -> None:
    source = "import os, tools.a\nfrom tools.b import c\nfrom . import d\n"
    assert imported_modules(source) == {"os", "tools.a", "tools.b", "tools.b.c"}
    assert module_for_path("tools/gate/plan.py") == "tools.gate.plan"
    assert module_for_path("tasks.py") is None
    assert module_for_path("docs/x.md") is None
