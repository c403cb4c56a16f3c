"""Who imports whom: the closure downwards (what runs) and upwards (what pyright rechecks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.gate.conftest import graph_of
from tools.gate import import_graph
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


def test_the_root_s_packages_win_over_same_named_packages_elsewhere_on_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for place, module in {"elsewhere": "other", "root": "mine"}.items():
        package = tmp_path / place / "gateshadow"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        (package / f"{module}.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    graph = load_graph(tmp_path / "root", ("gateshadow",), ())
    assert graph.files == {"gateshadow.mine"}


def test_importing_the_graph_module_leaves_grimp_unloaded_until_a_graph_is_needed() -> None:
    code = "import sys, tools.gate.import_graph; print('grimp' in sys.modules)"
    repo = Path(import_graph.__file__).parents[2]
    path = os.pathsep.join([str(repo), *filter(None, [os.environ.get("PYTHONPATH")])])
    child = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (child.returncode, child.stdout) == (0, "False\n"), child.stderr
