"""invoke tasks and invoke ledger-lint on ledger files: rows, footnotes, findings, summaries."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commands.tasks import list_tasks, run_ledger_lint

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "workflow"
GUIDE = Path(".dev-guidelines") / "GIT_VERSIONING.md"

DONE_ONLY = "# tv-tasks\n\n### Done · tv-2025-10-15:PR5 · Seed the configs\n\n- **Size**: S\n"
SHARED_PLACEHOLDER = (
    "### Open · tv-2025-01-02:PR?? · Try a theme\n\n### Open · tv-2025-01-02:PR?? · Try a font\n"
)
UNKNOWN_TYPE = (
    "### Open · tv-2025-01-02:PR3 · Try a theme\n\n"
    "- **Git plan**:\n  - Branch: `feature/ui-theme`\n"
)


def _repository(root: Path, ledger: str | bytes, *, guide: bool = True) -> Path:
    (root / ".ldres").mkdir(parents=True)
    data = ledger.encode("utf-8") if isinstance(ledger, str) else ledger
    (root / ".ldres" / "tv-tasks.md").write_bytes(data)
    if guide:
        (root / GUIDE).parent.mkdir()
        shutil.copyfile(PROJECT_ROOT / GUIDE, root / GUIDE)
    return root


def _reporter() -> tuple[Reporter, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Reporter(out, err), out, err


def test_task_table_shows_blockers_and_derived_branches(tmp_path: Path) -> None:
    root = _repository(tmp_path, (FIXTURES / "seed_like_ledger.md").read_bytes())
    reporter, out, err = _reporter()

    rows = list_tasks(root, reporter, show_all=False)

    assert [row[4] for row in rows] == [
        "Make PEP 420 the import policy",
        "Move packages to implicit namespaces",
        "Build a regression suite",
        "Coverage plan towards full coverage",
        "Mutation testing trial",
        "Fold loose modules into their packages",
    ]
    assert [row[6] for row in rows] == [
        "-",
        "Make PEP 420 the import policy",
        "-",
        "tv-2025-10-03:PR35",
        "Coverage plan towards full co…",
        "-",
    ]
    assert rows[5][:4] == ["(Task 2)", "Open", "-", "-"]
    assert rows[5][5] == "refactor/training-fold-loose-modules-their-packages *"
    assert out.getvalue().endswith("* branch derived from the first planned commit and the title\n")
    assert "warning: .ldres/tv-tasks.md:144: leftover merge-conflict marker" in err.getvalue()


def test_ledger_without_active_tasks_suggests_all(tmp_path: Path) -> None:
    root = _repository(tmp_path, DONE_ONLY)
    reporter, out, _ = _reporter()

    assert list_tasks(root, reporter, show_all=False) == []
    assert out.getvalue() == "No open tasks in the ledger. (try --all)\n"

    shown = list_tasks(root, reporter, show_all=True)

    assert shown == [["tv-2025-10-15:PR5", "Done", "-", "S", "Seed the configs", "-", "-"]]
    assert "* branch derived" not in out.getvalue()


def test_empty_ledger_with_all_says_so_without_the_hint(tmp_path: Path) -> None:
    root = _repository(tmp_path, "# tv-tasks\n")
    reporter, out, _ = _reporter()

    assert list_tasks(root, reporter, show_all=True) == []
    assert out.getvalue() == "No open tasks in the ledger.\n"


def test_ledger_lint_with_only_warnings_passes_and_names_the_guide(tmp_path: Path) -> None:
    root = _repository(tmp_path, SHARED_PLACEHOLDER)
    reporter, out, _ = _reporter()

    findings = run_ledger_lint(root, reporter)

    assert [(finding.line, finding.severity) for finding in findings] == [(1, "warning")]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(
        ".ldres/tv-tasks.md:1: warning: placeholder id 'tv-2025-01-02:PR??' is shared by 2"
    )
    assert lines[1] == (
        ".ldres/tv-tasks.md: no errors (1 warning(s)); types from .dev-guidelines/GIT_VERSIONING.md"
    )


def test_ledger_lint_without_the_guide_skips_the_type_checks(tmp_path: Path) -> None:
    checked = _repository(tmp_path / "checked", UNKNOWN_TYPE)
    root = _repository(tmp_path / "unchecked", UNKNOWN_TYPE, guide=False)
    reporter, out, err = _reporter()
    with pytest.raises(WorkflowError):
        run_ledger_lint(checked, Reporter(io.StringIO(), io.StringIO()))

    findings = run_ledger_lint(root, reporter)

    assert findings == []
    assert err.getvalue() == (
        f"warning: {root / GUIDE}: not found (the commit types are read from "
        ".dev-guidelines/GIT_VERSIONING.md); commit types are not checked\n"
    )
    assert out.getvalue().startswith(".ldres/tv-tasks.md: no errors (0 warning(s))")


def test_ledger_lint_with_errors_fails_with_the_counts(tmp_path: Path) -> None:
    root = _repository(tmp_path, (FIXTURES / "seed_like_ledger.md").read_bytes())
    reporter, out, _ = _reporter()

    with pytest.raises(WorkflowError) as caught:
        run_ledger_lint(root, reporter)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == ".ldres/tv-tasks.md: 1 error(s), 2 warning(s)"
    assert ".ldres/tv-tasks.md:144: error: leftover merge-conflict marker" in out.getvalue()
