"""Scratch repositories for the workflow tests: a bare origin, an upstream copy that pushes to
it (standing in for other people), and a clone where the tasks run.

Git runs with an isolated configuration (no global or system config, fixed identity,
``init.defaultBranch=main``) and without any GIT_* or WORKFLOW_* variables of the caller, so
the tests behave the same inside a git hook, in CI and on a developer machine.
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.workflow.cli import Reporter
from tools.workflow.repo.git import Git

PROJECT_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "workflow"
GUIDE = PROJECT_ROOT / ".dev-guidelines" / "GIT_VERSIONING.md"
LEDGER = Path(".ldres") / "tv-tasks.md"
PASSING_GATE = (sys.executable, "-c", "raise SystemExit(0)")
FAILING_GATE = (sys.executable, "-c", "raise SystemExit(3)")
GITHUB_URL = "https://github.com/acme/scratch.git"


def isolated_env(home: Path) -> dict[str, str]:
    """The caller's environment without GIT_*/WORKFLOW_* variables, plus a fixed git setup."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "WORKFLOW_"))
    }
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Workflow Test",
            "GIT_AUTHOR_EMAIL": "workflow-test@example.invalid",
            "GIT_COMMITTER_NAME": "Workflow Test",
            "GIT_COMMITTER_EMAIL": "workflow-test@example.invalid",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": "init.defaultBranch",
            "GIT_CONFIG_VALUE_0": "main",
            "GIT_CONFIG_KEY_1": "commit.gpgSign",
            "GIT_CONFIG_VALUE_1": "false",
        }
    )
    return env


@dataclass(frozen=True)
class Captured:
    """A reporter writing into two string buffers."""

    reporter: Reporter

    @property
    def out(self) -> str:
        stream = self.reporter.out
        return stream.getvalue() if isinstance(stream, io.StringIO) else ""

    @property
    def err(self) -> str:
        stream = self.reporter.err
        return stream.getvalue() if isinstance(stream, io.StringIO) else ""


class Scratch:
    """Three repositories under one temporary directory; ``git`` drives the clone.

    The remotes use the relative URL ``../origin.git``, so a copied directory tree is a new,
    independent set of repositories (see :func:`build_template`).
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.env = isolated_env(base / "home")
        self.origin = base / "origin.git"
        self.upstream = base / "upstream"
        self.root = base / "clone"
        self.git = Git(self.root, self.env)

    def raw(self, cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run git for test setup and assertions; fails the test on a non-zero exit."""
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=dict(env or self.env),
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, f"git {args}: {completed.stderr}"
        return completed.stdout.strip()

    def clone_git(self, *args: str) -> str:
        return self.raw(self.root, *args)

    def origin_rev(self, ref: str) -> str | None:
        completed = subprocess.run(
            ["git", "--git-dir", str(self.origin), "rev-parse", "--verify", "--quiet", ref],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return completed.stdout.strip() if completed.returncode == 0 else None

    def rev(self, ref: str) -> str | None:
        return self.git.rev(ref)

    def upstream_commit(self, relative: str, text: str, message: str) -> str:
        """Someone else pushes a commit to origin's main."""
        path = self.upstream / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.raw(self.upstream, "add", "--", relative)
        self.raw(self.upstream, "commit", "--quiet", "-m", message)
        self.raw(self.upstream, "push", "--quiet", "origin", "main")
        return self.raw(self.upstream, "rev-parse", "HEAD")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def stage(self, relative: str, text: str) -> None:
        self.write(relative, text)
        self.clone_git("add", "--", relative)

    def commit_file(self, relative: str, text: str, message: str) -> str:
        """A plain git commit in the clone (setup only; bypasses the workflow on purpose)."""
        self.stage(relative, text)
        self.clone_git("commit", "--quiet", "-m", message)
        return self.clone_git("rev-parse", "HEAD")

    @staticmethod
    def numbered_lines(count: int, prefix: str = "line") -> str:
        return "".join(f"{prefix} {index}\n" for index in range(count))

    def ledger_text(self) -> str:
        return (self.root / LEDGER).read_text(encoding="utf-8")

    def index_tree(self) -> str:
        return self.clone_git("write-tree")

    def use_github_remote(self) -> None:
        """Make origin look like a GitHub remote (``git remote get-url`` names github.com)
        while pushes still go to the local bare origin; https is refused before any network
        access, so a fetch fails at once, as it does offline."""
        self.clone_git("remote", "set-url", "origin", GITHUB_URL)
        self.clone_git("config", f"url.{self.origin}.pushInsteadOf", GITHUB_URL)
        self.clone_git("config", "protocol.https.allow", "never")

    def install_hook(self, name: str, script: str) -> Path:
        """An executable hook of the clone, in a hooks directory outside the repository."""
        hooks = self.base / "hooks"
        hooks.mkdir(exist_ok=True)
        path = hooks / name
        path.write_text(script, encoding="utf-8")
        path.chmod(0o755)
        self.clone_git("config", "core.hooksPath", str(hooks))
        return path

    def invoke(
        self, *args: str, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the real ``invoke`` against the project's tasks.py, inside the clone."""
        return subprocess.run(
            [sys.executable, "-m", "invoke", "-r", str(PROJECT_ROOT), *args],
            cwd=self.root,
            env={**self.env, **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )


def build_template(base: Path, ledger: bytes) -> None:
    """Create origin, upstream and clone under ``base``, holding ``ledger`` on main."""
    scratch = Scratch(base)
    (base / "home").mkdir()
    no_template = f"--template={base / 'home'}"
    scratch.raw(base, "init", "--quiet", no_template, "--bare", "origin.git")
    scratch.raw(base, "init", "--quiet", no_template, "upstream")
    upstream = scratch.upstream
    (upstream / ".ldres").mkdir()
    (upstream / LEDGER).write_bytes(ledger)
    (upstream / ".dev-guidelines").mkdir()
    shutil.copyfile(GUIDE, upstream / ".dev-guidelines" / "GIT_VERSIONING.md")
    (upstream / "README.md").write_text("scratch\n", encoding="utf-8")
    scratch.raw(upstream, "add", "--all")
    scratch.raw(upstream, "commit", "--quiet", "-m", "chore: seed the repository")
    scratch.raw(upstream, "remote", "add", "origin", "../origin.git")
    scratch.raw(upstream, "push", "--quiet", "--set-upstream", "origin", "main")
    scratch.raw(base, "clone", "--quiet", no_template, "origin.git", "clone")
    scratch.raw(scratch.root, "remote", "set-url", "origin", "../origin.git")


GhAnswer = tuple[int, str, str]
"""What a fake ``gh`` subcommand does: exit status, stdout, stderr."""


class FakeGh:
    """A real executable standing in for ``gh`` (passed where the workflow takes ``gh``).

    ``answers`` maps a ``gh pr`` subcommand (view, checks, create, ready) to what it prints
    and its exit status; any other call fails. Every call's arguments are logged.
    """

    def __init__(self, directory: Path, answers: Mapping[str, GhAnswer]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "gh"
        self.log = directory / "gh-calls.log"
        cases = "".join(
            f"  {shlex.quote(sub)}) printf '%s' {shlex.quote(stdout)};"
            f" printf '%s' {shlex.quote(stderr)} >&2; exit {status} ;;\n"
            for sub, (status, stdout, stderr) in answers.items()
        )
        self.path.write_text(
            "#!/bin/sh\n"
            f"printf '%s\\037' \"$@\" >> {shlex.quote(str(self.log))}\n"
            f"printf '\\036' >> {shlex.quote(str(self.log))}\n"
            'case "$2" in\n'
            f"{cases}"
            '  *) echo "unexpected gh call: $*" >&2; exit 64 ;;\n'
            "esac\n",
            encoding="utf-8",
        )
        self.path.chmod(0o755)

    @property
    def command(self) -> str:
        return str(self.path)

    def calls(self) -> list[list[str]]:
        """The argument lists of every call, in order."""
        if not self.log.exists():
            return []
        records = self.log.read_text(encoding="utf-8").split("\x1e")[:-1]
        return [record.split("\x1f")[:-1] for record in records]


def capture() -> Captured:
    return Captured(Reporter(io.StringIO(), io.StringIO()))


@pytest.fixture(scope="session")
def scratch_templates(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Build each fixture ledger's repositories once per test process; tests get copies."""
    built: dict[str, Path] = {}

    def template(fixture: str) -> Path:
        if fixture not in built:
            base = tmp_path_factory.mktemp("template")
            build_template(base, (FIXTURES / fixture).read_bytes())
            built[fixture] = base
        return built[fixture]

    return template


@pytest.fixture
def make_scratch(
    tmp_path: Path, scratch_templates: Callable[[str], Path]
) -> Callable[[str], Scratch]:
    """A factory: scratch repositories holding a fixture ledger from tests/fixtures/workflow."""
    counter = iter(range(1000))

    def build(fixture: str) -> Scratch:
        base = tmp_path / f"scratch{next(counter)}"
        shutil.copytree(scratch_templates(fixture), base, symlinks=True)
        return Scratch(base)

    return build


@pytest.fixture
def seed_scratch(make_scratch: Callable[[str], Scratch]) -> Scratch:
    """Scratch repositories holding the seed-like ledger (conflict marker, shared ids, ...)."""
    return make_scratch("seed_like_ledger.md")


@pytest.fixture
def clean_scratch(make_scratch: Callable[[str], Scratch]) -> Scratch:
    """Scratch repositories holding a ledger without damage."""
    return make_scratch("clean_ledger.md")


@pytest.fixture
def passing_gate() -> list[str]:
    """A quality gate command that succeeds."""
    return list(PASSING_GATE)


@pytest.fixture
def failing_gate() -> list[str]:
    """A quality gate command that exits 3."""
    return list(FAILING_GATE)


@pytest.fixture
def fake_gh(tmp_path: Path) -> Callable[[Mapping[str, GhAnswer]], FakeGh]:
    """A factory: a fake ``gh`` executable answering as told (see :class:`FakeGh`)."""
    counter = iter(range(1000))

    def build(answers: Mapping[str, GhAnswer]) -> FakeGh:
        return FakeGh(tmp_path / f"gh{next(counter)}", answers)

    return build


@pytest.fixture
def out() -> Captured:
    """A fresh reporter capturing stdout/stderr text."""
    return capture()
