"""Development gates: one nox session per meaning, each calling its tool directly.

``nox`` runs ``quality``, the one command before a push: ``lint`` once, then ``tests`` on every
Python. ``nox -s changed`` is the commit gate. ``nox -l --json -t ci`` lists what CI runs (the
``every-os`` sessions on Linux and macOS, the others once). Every session first checks that
``uv.lock`` is current, then syncs its environment to it (``nox -R`` skips both). Arguments
after ``--`` reach the tool: ``nox -s tests-3.12 -- -k tokenizer``.

This file imports nothing but nox and the standard library, so ``nox -l`` stays fast.
"""

# pyright: strict

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.10.14"
nox.options.default_venv_backend = "uv"
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = os.environ.get("CI", "").lower() == "true"
# Keep environments between runs; each run still syncs them from uv.lock (a no-op when current).
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).resolve().parent
SETTINGS = nox.project.load_toml(ROOT / "pyproject.toml")["tool"]["ml_playground"]
PYTHONS: list[str] = SETTINGS["pythons"]
"""Every supported Python, oldest first."""
TOOL_PYTHON = PYTHONS[0]
"""The one Python of sessions whose result does not depend on the interpreter."""
CI = ["ci"]
EVERY_OS = ["ci", "every-os"]
TEST_ENV = {**SETTINGS["test-env"], "PYTHONPYCACHEPREFIX": str(ROOT / SETTINGS["pycache"])}


def install(session: nox.Session, *only: str) -> None:
    """Check ``uv.lock``, then sync the environment to it: the project with every group and
    extra (each environment that runs project code is the same), or ``only`` those groups."""
    session.run_install("uv", "lock", "--check", "--quiet")
    selection = [arg for group in only for arg in ("--only-group", group)]
    everything = ["--all-groups", "--all-extras"]
    env = {"UV_PROJECT_ENVIRONMENT": str(session.env_dir)}
    session.run_install("uv", "sync", "--locked", *(selection or everything), env=env)


@nox.session(venv_backend="none", requires=["lint", *(f"tests-{p}" for p in PYTHONS)])
def quality(session: nox.Session) -> None:
    """The gate before a push: lint, then tests on every Python (nox's requires)."""
    session.log("lint and tests passed on " + ", ".join(PYTHONS))


@nox.session(python=TOOL_PYTHON, tags=CI, default=False)
def lint(session: nox.Session) -> None:
    """Every static check of quality, once (tools/gate/checks.py)."""
    install(session)
    session.run("python", "-m", "tools.gate.checks")


@nox.session(python=PYTHONS, tags=EVERY_OS, default=False)
def tests(session: nox.Session) -> None:
    """Every test once, in parallel, under coverage with pyproject's floor (posargs: pytest's)."""
    install(session)
    env = {**TEST_ENV, "COVERAGE_FILE": str(ROOT / ".cache" / "coverage" / ".coverage")}
    session.run("coverage", "erase", env=env)
    session.run("coverage", "run", "-m", "pytest", "-n", "auto", *session.posargs, env=env)
    session.run("coverage", "combine", "--quiet", env=env)
    session.run("coverage", "json", "--fail-under=0", env=env)
    floor = ["--fail-under=0"] if session.posargs else []  # a selection cannot reach it
    session.run("coverage", "report", "--skip-covered", *floor, env=env)


@nox.session(python=TOOL_PYTHON, default=False)
def changed(session: nox.Session) -> None:
    """The commit gate: quality's checks of the staged change, on every Python (tools/gate)."""
    install(session, "workflow")
    session.run("python", "-m", "tools.gate.run", *session.posargs)


@nox.session(python=TOOL_PYTHON, default=False)
def fix(session: nox.Session) -> None:
    """ruff check --fix and ruff format: the only session that edits files."""
    install(session, "lint")
    session.run("ruff", "check", "--fix", *(session.posargs or ["."]))
    session.run("ruff", "format", *(session.posargs or ["."]))


@nox.session(python=TOOL_PYTHON, tags=CI, default=False)
def badge(session: nox.Session) -> None:
    """The coverage badge and roadmap from .cache/coverage/ (`-- --check` verifies both)."""
    install(session, "test")
    session.run("python", "-m", "tools.coverage.badge", *session.posargs)
    session.run("python", "-m", "tools.coverage.roadmap", *session.posargs)


@nox.session(python=TOOL_PYTHON, tags=CI, default=False)
def mutation(session: nox.Session) -> None:
    """Mutation testing with cosmic-ray (posargs: --module M, --shard K/N, --since REV)."""
    install(session)
    session.run("python", "-m", "tools.mutation.run", *session.posargs)


@nox.session(python=TOOL_PYTHON, tags=CI, default=False)
def build(session: nox.Session) -> None:
    """uv build into dist/, then the wheel as a user gets it (tools/checks/wheel.py)."""
    install(session, "checks")
    session.run("uv", "build", "--quiet", "--clear", "--out-dir", "dist", *session.posargs)
    session.run("python", "-m", "tools.checks.wheel", "dist")
