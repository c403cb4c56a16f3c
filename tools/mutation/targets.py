"""The mutation targets and the settings of a run, read from ``pyproject.toml``.

``[tool.cosmic-ray]`` holds what cosmic-ray itself is told (module-path, timeout,
excluded-modules, test-command, distributor, filters), in cosmic-ray 8's format; cosmic-ray
reads a top-level ``[cosmic-ray]`` table, so :func:`cosmic_ray_config` writes one such file per
target with that target's module and tests filled in. ``[tool.ml_playground.mutation]`` holds
what only this tooling uses: the tests that each target's test command runs, the minimum score
of each target, the environment of the test command and the timeout factor.

A target is one module (a path relative to the repository root); its test command runs only
the fast tests listed for it, so each mutant costs one short pytest run.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import cast

from tools.mutation.errors import MutationError

TESTS_PLACEHOLDER = "{tests}"
"""Where ``test-command`` takes the target's test files."""


@dataclass(frozen=True)
class Target:
    """One module under mutation, the tests that must notice its mutants, and the gate."""

    module: str
    """Path of the module relative to the repository root, with ``/`` separators."""
    tests: tuple[str, ...]
    min_score: float
    """The lowest acceptable score in percent (killed / (killed + survived))."""

    @property
    def slug(self) -> str:
        """A file-name-safe name for the target's session and config files."""
        return PurePosixPath(self.module).with_suffix("").as_posix().replace("/", ".")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs besides the command line."""

    targets: tuple[Target, ...]
    timeout: float
    """The smallest per-mutant timeout in seconds (cosmic-ray's ``timeout``)."""
    timeout_factor: float
    """The per-mutant timeout is at least this many times the target's baseline run."""
    test_command: str
    """The pytest command with :data:`TESTS_PLACEHOLDER` where the target's tests go."""
    test_env: tuple[tuple[str, str], ...]
    """Variables the test command is run with (``env NAME=VALUE ...``), in file order."""
    excluded_modules: tuple[str, ...]
    exclude_operators: tuple[str, ...]
    """Regular expressions of cosmic-ray operator names that are not applied."""
    preload: tuple[str, ...] = ()
    """Third-party modules each worker's pytest fork server imports once (none: no server)."""

    def env_with_test_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` with the test environment applied."""
        return {**base, **dict(self.test_env)}

    def excludes_operator(self, operator: str) -> bool:
        """Whether ``exclude-operators`` excludes ``operator``: a pattern matches at its start
        (``re.match``), as in cosmic-ray's ``cr-filter-operators``."""
        return any(re.match(pattern, operator) for pattern in self.exclude_operators)

    def target(self, name: str) -> Target:
        """The target named by its path (``ml_playground/core/text_tokenizers.py``), its
        dotted module name (``ml_playground.core.text_tokenizers``) or its last component
        (``text_tokenizers``)."""
        matches = [t for t in self.targets if name in (t.module, t.slug, t.slug.rsplit(".")[-1])]
        if len(matches) != 1:
            known = ", ".join(t.module for t in self.targets)
            what = "no" if not matches else "more than one"
            raise MutationError(f"{what} mutation target matches {name!r}; targets: {known}")
        return matches[0]


def _table(document: object, *keys: str) -> dict[str, object]:
    value: object = document
    for key in keys:
        if not isinstance(value, dict):
            break
        value = cast("dict[str, object]", value).get(key)
    if not isinstance(value, dict):
        raise MutationError(f"pyproject.toml has no [{'.'.join(keys)}] table")
    return cast("dict[str, object]", value)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(
        isinstance(item, str) for item in cast("list[object]", value)
    ):
        raise MutationError(f"{where} must be a string or a list of strings")
    return tuple(cast("list[str]", value))


def _number(table: Mapping[str, object], key: str, where: str) -> float:
    value = table.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise MutationError(f"{where}.{key} must be a positive number")
    return float(value)


def parse_settings(pyproject_text: str) -> Settings:
    """The settings in the text of a ``pyproject.toml``; :class:`MutationError` when unusable."""
    try:
        document = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError as exc:
        raise MutationError(f"pyproject.toml is not valid TOML ({exc})") from None
    cosmic_ray = _table(document, "tool", "cosmic-ray")
    ours = _table(document, "tool", "ml_playground", "mutation")
    tests = _table(document, "tool", "ml_playground", "mutation", "tests")
    scores = _table(document, "tool", "ml_playground", "mutation", "min-scores")
    modules = _strings(cosmic_ray.get("module-path"), "[tool.cosmic-ray] module-path")
    for name, table in (("tests", tests), ("min-scores", scores)):
        if set(table) != set(modules):
            extra = sorted(set(table) - set(modules))
            missing = sorted(set(modules) - set(table))
            raise MutationError(
                f"[tool.ml_playground.mutation.{name}] must have one entry per module-path"
                f" entry (missing: {missing}, not a target: {extra})"
            )
    targets: list[Target] = []
    for module in modules:
        score = scores[module]
        if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 100:
            raise MutationError(f"min-scores[{module!r}] must be a number from 0 to 100")
        module_tests = _strings(tests[module], f"tests[{module!r}]")
        if not module_tests:
            raise MutationError(f"tests[{module!r}] lists no tests")
        targets.append(Target(module, module_tests, float(score)))
    distributor = cast("dict[str, object]", cosmic_ray.get("distributor", {})).get("name", "http")
    if distributor != "http":
        raise MutationError(
            f'[tool.cosmic-ray.distributor] name must be "http" (the run starts its own http'
            f" workers), got {distributor!r}"
        )
    command = cosmic_ray.get("test-command")
    if not isinstance(command, str) or TESTS_PLACEHOLDER not in command:
        raise MutationError(f"[tool.cosmic-ray] test-command must contain {TESTS_PLACEHOLDER}")
    env = ours.get("test-env", {})
    if not isinstance(env, dict) or not all(
        isinstance(v, str) for v in cast("dict[str, object]", env).values()
    ):
        raise MutationError("[tool.ml_playground.mutation] test-env must map names to strings")
    operators_filter = cast("dict[str, object]", cosmic_ray.get("filters", {})).get(
        "operators-filter", {}
    )
    exclude = cast("dict[str, object]", operators_filter).get("exclude-operators", [])
    return Settings(
        targets=tuple(targets),
        timeout=_number(cosmic_ray, "timeout", "[tool.cosmic-ray]"),
        timeout_factor=_number(ours, "timeout-factor", "[tool.ml_playground.mutation]"),
        test_command=command,
        test_env=tuple(cast("dict[str, str]", env).items()),
        excluded_modules=_strings(cosmic_ray.get("excluded-modules", []), "excluded-modules"),
        exclude_operators=_strings(exclude, "exclude-operators"),
        preload=_strings(ours.get("preload", []), "[tool.ml_playground.mutation] preload"),
    )


def load_settings(pyproject: Path) -> Settings:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MutationError(f"{pyproject.as_posix()}: cannot read ({exc})") from None
    return parse_settings(text)


def test_command(settings: Settings, target: Target) -> str:
    """The shell-quoted command cosmic-ray runs for every mutant of ``target``."""
    env = ["env", *(f"{name}={value}" for name, value in settings.test_env)]
    tests = " ".join(shlex.quote(test) for test in target.tests)
    command = settings.test_command.replace(TESTS_PLACEHOLDER, tests)
    return " ".join([*(shlex.quote(part) for part in env), command]) if env[1:] else command


def _toml_value(value: str | Sequence[str]) -> str:
    # A JSON string (ASCII-escaped) is a valid TOML basic string, and a JSON list of them a
    # valid TOML array.
    return json.dumps(value if isinstance(value, str) else list(value))


def cosmic_ray_config(
    settings: Settings,
    target: Target,
    *,
    worker_urls: Sequence[str],
    timeout: float,
    since: str | None = None,
) -> str:
    """The text of cosmic-ray's own config file for one target (a ``[cosmic-ray]`` table)."""
    lines = [
        "[cosmic-ray]",
        f"module-path = {_toml_value(target.module)}",
        f"timeout = {float(timeout)!r}",
        f"excluded-modules = {_toml_value(settings.excluded_modules)}",
        f"test-command = {_toml_value(test_command(settings, target))}",
        "",
        "[cosmic-ray.distributor]",
        'name = "http"',
        "",
        "[cosmic-ray.distributor.http]",
        f"worker-urls = {_toml_value(worker_urls)}",
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {_toml_value(settings.exclude_operators)}",
    ]
    if since is not None:
        lines += ["", "[cosmic-ray.filters.git-filter]", f"branch = {_toml_value(since)}"]
    return "\n".join(lines) + "\n"


def select_targets(settings: Settings, names: Sequence[str] | None) -> list[Target]:
    """Every target, or those ``names`` name (any of their names), in the settings' order."""
    if not names:
        return list(settings.targets)
    chosen = {settings.target(name).module for name in names}
    return [t for t in settings.targets if t.module in chosen]
