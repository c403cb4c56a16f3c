"""The checks a change needs, and the reasons to run every test."""

from __future__ import annotations

import pytest

from tests.unit.gate.conftest import graph_of
from tools.gate.import_graph import ImportGraph
from tools.gate.plan import Change, Plan, is_linted_markdown, is_python_source, make_plan

pytestmark = pytest.mark.unit

GRAPH = graph_of(
    {
        "tools.x.core": set(),
        "tools.x.user": {"tools.x.core"},
        "tests.unit.test_user": {"tools.x.user"},
        "tasks": {"tools.x.user"},
        "tools.x.other": set(),
    }
)


def changed(*paths: str) -> list[Change]:
    return [Change(path.lstrip("-"), exists=not path.startswith("-")) for path in paths]


def test_a_module_change_checks_it_and_everything_importing_it() -> None:
    plan = make_plan(changed("tools/x/core.py"), GRAPH, None)
    assert plan == Plan(
        ruff=("tools/x/core.py",),
        pyright=("tasks.py", "tests/unit/test_user.py", "tools/x/core.py", "tools/x/user.py"),
        import_linter=True,
        whole_suite_reason=None,
        markdown=None,
    )


def test_a_new_module_nothing_imports_is_checked_alone() -> None:
    plan = make_plan(changed("tools/x/new.py", "noxfile.py"), GRAPH, None)
    assert plan.pyright == ("noxfile.py", "tools/x/new.py")
    assert plan.ruff == ("noxfile.py", "tools/x/new.py")


@pytest.mark.parametrize(
    ("paths", "graph"),
    [
        (("pyproject.toml",), GRAPH),
        (("uv.lock",), GRAPH),
        (("-tools/x/other.py",), GRAPH),
        (("tools/x/core.py",), None),
    ],
)
def test_pyright_checks_everything_when_the_graph_cannot_scope_it(
    paths: tuple[str, ...], graph: ImportGraph | None
) -> None:
    assert make_plan(changed(*paths), graph, None).pyright == ()


def test_nothing_python_skips_ruff_pyright_and_import_linter() -> None:
    plan = make_plan(changed("docs/a.md", "notes.txt"), GRAPH, None)
    assert (plan.ruff, plan.pyright, plan.import_linter) == (None, None, False)
    assert plan.markdown == ("docs/a.md",)
    assert make_plan(changed("pyproject.toml"), GRAPH, None).ruff == ()


@pytest.mark.parametrize(
    ("paths", "problem", "reason"),
    [
        (("uv.lock",), None, "uv.lock changed"),
        (("pyproject.toml",), None, "pyproject.toml changed"),
        (("noxfile.py",), None, "noxfile.py changed"),
        (("tests/unit/conftest.py",), None, "tests/unit/conftest.py changed (fixtures and hooks"),
        (("-tests/fixtures/ledger.md",), None, "tests/fixtures/ledger.md changed (test data)"),
        (("tools/x/core.py",), "no recorded data", "no recorded data"),
    ],
)
def test_whole_suite_reasons(paths: tuple[str, ...], problem: str | None, reason: str) -> None:
    found = make_plan(changed(*paths), GRAPH, problem).whole_suite_reason
    assert found is not None
    assert found.startswith(reason)


def test_test_modules_and_other_files_let_testmon_select() -> None:
    plan = make_plan(
        changed("tests/unit/test_user.py", "README.md", ".githooks/pre-commit"), GRAPH, None
    )
    assert plan.whole_suite_reason is None


def test_the_markdown_lint_follows_the_full_gate_list() -> None:
    assert make_plan(changed(".pymarkdown.json"), GRAPH, None).markdown == ()
    assert [
        p
        for p in (
            "README.md",
            "docs/x.md",
            ".dev-guidelines/A.md",
            ".ldres/tv-tasks.md",
            "tests/unit/README.md",
            "docs/coverage/roadmap.md",
            "notes/x.md",
            "tests/a/b/README.md",
            "docs/x.txt",
        )
        if is_linted_markdown(p)
    ] == [
        "README.md",
        "docs/x.md",
        ".dev-guidelines/A.md",
        ".ldres/tv-tasks.md",
        "tests/unit/README.md",
    ]


def test_python_sources_are_the_checked_trees_and_the_scripts() -> None:
    assert [
        p
        for p in ("tools/a.py", "tasks.py", "noxfile.py", "setup.py", "docs/conf.py", "tests/x.txt")
        if is_python_source(p)
    ] == ["tools/a.py", "tasks.py", "noxfile.py"]
