"""The checks a change needs, and the reasons to run every test."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.gate.conftest import graph_of
from tools.gate.import_graph import ImportGraph
from tools.gate.plan import (
    EVERYTHING,
    Change,
    Lists,
    Plan,
    is_linted_markdown,
    is_python_source,
    make_plan,
)

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


LISTS = Lists(
    markdown=("README.md", "docs", ".dev-guidelines", ".ldres/tv-tasks.md", "tests/*/README.md"),
    markdown_generated=("docs/coverage/roadmap.md",),
)


def changed(*paths: str) -> list[Change]:
    return [Change(path.lstrip("-"), exists=not path.startswith("-")) for path in paths]


def plan_for(*paths: str, graph: ImportGraph | None = GRAPH, problem: str | None = None) -> Plan:
    return make_plan(changed(*paths), graph, LISTS, problem)


def test_a_module_change_checks_it_and_everything_importing_it() -> None:
    assert plan_for("tools/x/core.py") == Plan(
        ruff=("tools/x/core.py",),
        pyright=("tasks.py", "tests/unit/test_user.py", "tools/x/core.py", "tools/x/user.py"),
        project_checks=True,
        markdown=None,
        workflows=False,
        lock=False,
        whole_suite_reason=None,
    )


def test_a_new_module_nothing_imports_is_checked_alone() -> None:
    plan = plan_for("tools/x/new.py", "noxfile.py")
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
    assert plan_for(*paths, graph=graph).pyright == ()


def test_nothing_python_skips_ruff_pyright_and_the_project_checks() -> None:
    plan = plan_for("docs/a.md", "notes.txt")
    assert (plan.ruff, plan.pyright, plan.project_checks) == (None, None, False)
    assert (plan.markdown, plan.workflows, plan.lock) == (("docs/a.md",), False, False)
    configured = plan_for("pyproject.toml")
    assert (configured.ruff, configured.project_checks, configured.lock) == ((), True, True)


def test_a_workflow_change_runs_the_workflow_checks_and_the_lock_its_check() -> None:
    assert plan_for(".github/workflows/q.yml").workflows
    assert not plan_for(".github/dependabot.yml").workflows
    assert plan_for("uv.lock").lock


def test_everything_runs_every_check_on_everything() -> None:
    assert Plan((), (), True, (), True, True, "--all") == EVERYTHING


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
    found = plan_for(*paths, problem=problem).whole_suite_reason
    assert found is not None
    assert found.startswith(reason)


def test_test_modules_and_other_files_let_testmon_select() -> None:
    plan = plan_for("tests/unit/test_user.py", "README.md", ".githooks/pre-commit")
    assert plan.whole_suite_reason is None


def test_the_markdown_lint_follows_the_full_gate_list() -> None:
    assert plan_for(".pymarkdown.json").markdown == ()
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
        if is_linted_markdown(p, LISTS)
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


def test_file_lists_are_values_that_hash_alike_when_equal() -> None:
    same = Lists(markdown=LISTS.markdown, markdown_generated=LISTS.markdown_generated)
    assert hash(same) == hash(LISTS)
    assert {LISTS, same} == {LISTS}


def test_a_change_is_a_value_that_cannot_change() -> None:
    change = Change("tools/x/core.py", True)

    with pytest.raises(dataclasses.FrozenInstanceError):
        change.exists = False  # type: ignore[misc]
    assert {change, Change("tools/x/core.py", True)} == {change}
