"""Development gates: one nox session per gate, each calling its tool directly.

``nox`` (no arguments) runs ``quality``, the full gate before every push; ``nox -s changed`` is
the incremental gate before every commit; ``nox -l --json -t ci`` lists what CI runs. Every
session first checks that ``uv.lock`` is current, then installs the locked versions with
``uv sync --locked`` and only the dependency groups it needs; ``nox -R`` reuses the
environments and skips that install step. Arguments after ``--`` reach the tool:
``nox -s tests -- -k tokenizer``.

This file imports nothing but nox and the standard library, so ``nox -l`` stays fast.
"""

# pyright: strict

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.10.14"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["quality"]
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = os.environ.get("CI", "").lower() == "true"
# Keep environments between runs; each run still syncs them from uv.lock (a no-op when current).
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).resolve().parent
NEWEST_PYTHON = "3.13"
"""The newest Python the project is tested on; the oldest comes from requires-python."""
PYTHONS = nox.project.python_versions(
    nox.project.load_toml(ROOT / "pyproject.toml"), max_version=NEWEST_PYTHON
)
TOOL_PYTHON = PYTHONS[0]
"""The one Python of sessions whose result does not depend on the interpreter."""
CI = ["ci"]
PYTEST_STRICT = ("-W", "error", "--strict-markers", "--strict-config")
# Bytecode goes to one cache below .cache/ (never into the tree or the environments), also when
# the caller sets PYTHONDONTWRITEBYTECODE: otherwise every test process (each xdist worker,
# each subprocess) compiles torch and the rest of its imports from source again.
TEST_ENV = {
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "",
    "PYTHONPYCACHEPREFIX": str(ROOT / ".cache" / "pycache"),
}
COVERAGE_DIR = ".cache/coverage"
# Absolute: a subprocess measured through coverage's subprocess patch reads COVERAGE_FILE too,
# and a relative path would put its data under whatever directory it runs in.
SUITE_COVERAGE_FILE = str(ROOT / COVERAGE_DIR / ".coverage")


def install(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Check ``uv.lock``, then sync the session's environment to it: the project with all its
    extras (unless ``project`` is false) and exactly ``groups``. Skipped by ``nox -R``.

    With neither (a standard-library tool) only the lockfile is checked: ``uv lock --check``
    fails in one line (missing, or out of date with ``pyproject.toml``: run ``uv lock``) and
    never rewrites it."""
    session.run_install("uv", "lock", "--check", "--quiet")
    if not groups and not project:
        return
    flag = "--group" if project else "--only-group"
    selection = [arg for group in groups for arg in (flag, group)]
    if project:
        selection.append("--all-extras")  # the plot extra's report is tested and type-checked
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--no-default-groups",
        *selection,
        env={"UV_PROJECT_ENVIRONMENT": str(session.env_dir)},
    )


def run_pytest_under_coverage(
    session: nox.Session, data_file: str, *pytest_args: str
) -> dict[str, str]:
    """Fresh coverage data for one strict pytest run (posargs appended), combined; returns the
    environment the reports must use."""
    env = {**TEST_ENV, "COVERAGE_FILE": data_file}
    session.run("coverage", "erase", env=env)
    session.run(
        "coverage",
        "run",
        "--parallel-mode",
        "-m",
        "pytest",
        *pytest_args,
        *PYTEST_STRICT,
        *session.posargs,
        env=env,
    )
    session.run("coverage", "combine", "--quiet", env=env)
    return env


def run_unit_and_property_tests(session: nox.Session) -> None:
    """``pytest tests/unit tests/property`` in parallel and strict (posargs appended)."""
    session.run(
        "pytest",
        "tests/unit",
        "tests/property",
        "-n",
        "auto",
        *PYTEST_STRICT,
        *session.posargs,
        env=TEST_ENV,
    )


@nox.session(python=PYTHONS, tags=CI)
def quality(session: nox.Session) -> None:
    """The full gate: ruff, pyright, vulture, import contracts, sweeps, unit + property tests."""
    static = session.python == TOOL_PYTHON
    groups = ("test", "lint", "workflow", "checks") if static else ("test", "workflow")
    install(session, *groups)
    if static:
        session.run("ruff", "check", ".")
        session.run("ruff", "format", "--check", ".")
        session.run("pyright")
        session.run("vulture")
        session.run("lint-imports", "--cache-dir", ".cache/import-linter")
        session.run("python", "-m", "tools.checks.no_mocks")
        session.run("python", "-m", "tools.checks.pep420")
        # The GitHub workflows: zizmor's offline audits and the vendored workflow schema.
        workflows = sorted(str(path) for path in Path(".github/workflows").glob("*.y*ml"))
        session.run("zizmor", "--offline", "--no-progress", *workflows)
        session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
        # docs/coverage/roadmap.md is generated by tools.coverage.roadmap, not written by hand.
        readmes = sorted(path.as_posix() for path in Path("tests").glob("*/README.md"))
        markdown = ["README.md", "docs", ".dev-guidelines", ".ldres/tv-tasks.md", *readmes]
        session.run(
            "pymarkdown",
            "--strict-config",
            "--config",
            ".pymarkdown.json",
            "scan",
            "-r",
            "--exclude",
            "docs/coverage/roadmap.md",
            *markdown,
        )
    else:
        # Static analysis runs once per gate run, in quality-3.11: ruff, vulture, import-linter
        # and the sweep read only the source, and pyright checks for pythonVersion 3.11
        # whichever interpreter runs it. Behaviour (the tests) is checked on every Python.
        session.log(f"static checks run in quality-{TOOL_PYTHON}; this session runs the tests")
    if static:
        # The tests also record, per test, what it depends on (pytest-testmon and
        # tools.gate.pytest_deps, data in .cache/gate/) for the incremental gate, `changed`.
        session.run(
            "python", "-m", "tools.gate.run", "--record", "--", *session.posargs, env=TEST_ENV
        )
    else:
        run_unit_and_property_tests(session)


@nox.session(python=TOOL_PYTHON)
def changed(session: nox.Session) -> None:
    """The incremental gate: quality's checks for what changed against HEAD (tools/gate)."""
    # The groups of quality-3.11: testmon's data is kept per installed package set.
    install(session, "test", "lint", "workflow", "checks")
    session.run("python", "-m", "tools.gate.run", "--", *session.posargs, env=TEST_ENV)


@nox.session(python=TOOL_PYTHON, tags=CI)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check (posargs: paths, default the whole tree)."""
    install(session, "lint", project=False)
    targets = session.posargs or ["."]
    session.run("ruff", "check", *targets)
    session.run("ruff", "format", "--check", *targets)


@nox.session(python=TOOL_PYTHON)
def fix(session: nox.Session) -> None:
    """ruff check --fix and ruff format: the only session that edits files; never run by CI."""
    install(session, "lint", project=False)
    targets = session.posargs or ["."]
    session.run("ruff", "check", "--fix", *targets)
    session.run("ruff", "format", *targets)


@nox.session(python=TOOL_PYTHON, tags=CI)
def typecheck(session: nox.Session) -> None:
    """pyright over the project, the tests and the tooling (posargs go to pyright)."""
    install(session, "test", "lint", "workflow")
    session.run("pyright", *session.posargs)


@nox.session(python=PYTHONS, tags=CI)
def tests(session: nox.Session) -> None:
    """Unit and property tests in parallel (posargs go to pytest)."""
    install(session, "test", "workflow")
    run_unit_and_property_tests(session)


@nox.session(python=PYTHONS, tags=CI)
def integration(session: nox.Session) -> None:
    """Integration tests: several units with real files, processes and git repositories."""
    # lint: the incremental gate's tests run its ruff, pyright and import-linter for real.
    install(session, "test", "workflow", "lint")
    session.run("pytest", "tests/integration", *session.posargs, env=TEST_ENV)


@nox.session(python=PYTHONS, tags=CI)
def e2e(session: nox.Session) -> None:
    """End-to-end tests: the installed ml-playground command as a subprocess."""
    install(session, "test", "workflow")
    session.run("pytest", "tests/e2e", *session.posargs, env=TEST_ENV)


@nox.session(python=PYTHONS, tags=CI)
def regression(session: nox.Session) -> None:
    """Regression tests: behaviours that once broke."""
    install(session, "test", "workflow")
    session.run("pytest", "tests/regression", *session.posargs, env=TEST_ENV)


@nox.session(python=PYTHONS, tags=CI)
def coverage(session: nox.Session) -> None:
    """The whole suite under coverage; reports in .cache/coverage/ (term, html, json, xml)."""
    install(session, "test", "workflow", "mutation", "lint")
    env = run_pytest_under_coverage(session, SUITE_COVERAGE_FILE, "tests")
    # Write every file report first, then let `coverage report` apply the configured floor.
    session.run("coverage", "html", "--fail-under=0", "-d", f"{COVERAGE_DIR}/html", env=env)
    session.run(
        "coverage", "json", "--fail-under=0", "-o", f"{COVERAGE_DIR}/coverage.json", env=env
    )
    session.run("coverage", "xml", "--fail-under=0", "-o", f"{COVERAGE_DIR}/coverage.xml", env=env)
    session.run("coverage", "report", env=env)
    session.run("python", "-m", "tools.coverage.ratchet", "--data", f"{COVERAGE_DIR}/coverage.json")


@nox.session(python=TOOL_PYTHON, tags=CI)
def badge(session: nox.Session) -> None:
    """Write the coverage badge and roadmap from .cache/coverage/ (`-- --check` verifies both)."""
    install(session, "test", project=False)
    session.run("python", "-m", "tools.coverage.badge", *session.posargs)
    session.run("python", "-m", "tools.coverage.roadmap", *session.posargs)


@nox.session(python=TOOL_PYTHON, tags=CI)
def mutation(session: nox.Session) -> None:
    """Mutation testing with cosmic-ray (posargs: --module M, --since REV)."""
    install(session, "test", "workflow", "mutation")
    session.run("python", "-m", "tools.mutation.run", *session.posargs)


@nox.session(python=TOOL_PYTHON, tags=CI)
def build(session: nox.Session) -> None:
    """uv build into dist/ and check-wheel-contents; then, with the wheel and the locked
    dependencies in a fresh environment, every module imports and --version is pyproject's."""
    install(session, "checks", project=False)
    session.run("uv", "build", "--quiet", "--clear", "--out-dir", "dist", *session.posargs)
    project = nox.project.load_toml("pyproject.toml")["project"]
    package = project["name"].replace("-", "_")
    wheels = [str(path) for path in Path("dist").glob("*.whl")]
    session.run("check-wheel-contents", "--package", package, "--toplevel", package, *wheels)
    fresh = Path(session.create_tmp()) / "wheel-env"
    python, constraints = str(fresh / "bin" / "python"), str(fresh.with_name("locked.txt"))
    session.run("uv", "venv", "--quiet", "--clear", "--python", session.bin + "/python", fresh)
    locked = ("--quiet", "--locked", "--no-default-groups", "--no-emit-project", "--no-hashes")
    session.run("uv", "export", *locked, "--output-file", constraints)
    session.run("uv", "pip", "install", "--quiet", "--python", python, "-c", constraints, *wheels)
    # Isolated mode (-I): neither the checkout nor PYTHONPATH is on sys.path, only the wheel.
    modules = sorted(".".join(path.with_suffix("").parts) for path in Path(package).rglob("*.py"))
    session.run(python, "-I", "-c", f"import {', '.join(modules)}", external=True)
    shown = session.run(fresh / "bin" / project["name"], "--version", silent=True, external=True)
    if str(shown).split()[-1:] != [project["version"]]:
        session.error(f"`{project['name']} --version` printed {shown!r}, not {project['version']}")
