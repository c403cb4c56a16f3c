"""The settings of a mutation run, read from ``pyproject.toml``, and the modules it mutates.

``[tool.cosmic-ray]`` holds what cosmic-ray itself is told (the backstop timeout and the
operators filter); :func:`cosmic_ray_config` writes it as cosmic-ray's own ``[cosmic-ray]``
file with the run's modules, test command and workers filled in.
``[tool.ml_playground.mutation]`` holds the rest: the packages whose every module is a target,
the modules left out (each with its reason), each module's minimum score, and the environment,
pytest arguments and timeouts of the test runs.
"""

from __future__ import annotations

import json
import math
import shlex
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import cast

from tools.mutation.errors import MutationError


@dataclass(frozen=True)
class Settings:
    packages: tuple[str, ...]
    """Every ``.py`` file under these directories is a target unless :attr:`excluded`."""
    excluded: Mapping[str, str]
    """Modules left out, each with the reason."""
    min_scores: Mapping[str, float]
    default_min_score: float
    timeout: float
    """cosmic-ray's own per-mutant timeout: a backstop behind the client's."""
    timeout_factor: float
    min_timeout: float
    test_budget: float
    """Seconds of recorded test time one mutant's run may take (its fastest test at least)."""
    pytest_args: tuple[str, ...]
    test_env: Mapping[str, str]
    preload: tuple[str, ...]
    """Third-party modules each worker's pytest fork server imports once (none: no server)."""
    exclude_operators: tuple[str, ...]

    def targets(self, files: Iterable[str]) -> list[str]:
        """The modules among ``files`` (repository-relative) that a full run mutates."""
        return sorted(
            name
            for name in files
            if name.endswith(".py")
            and PurePosixPath(name).parts[0] in self.packages
            and name not in self.excluded
        )

    def unknown_entries(self, files: Iterable[str]) -> list[str]:
        """Modules that :attr:`excluded` or :attr:`min_scores` name but ``files`` lacks: entries
        left behind by a rename or a deletion."""
        present = set(files)
        return sorted({m for m in (*self.excluded, *self.min_scores) if m not in present})

    def min_score(self, module: str) -> float:
        return self.min_scores.get(module, self.default_min_score)


def _table(document: Mapping[str, object], *keys: str) -> dict[str, object]:
    value: object = document
    for key in keys:
        value = cast("dict[str, object]", value).get(key) if isinstance(value, dict) else None  # pyright: ignore[reportUnnecessaryCast]
    if not isinstance(value, dict):
        raise MutationError(f"pyproject.toml has no [{'.'.join(keys)}] table")
    return cast("dict[str, object]", value)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) for item in cast("list[object]", value)
    ):
        raise MutationError(f"{where} must be a list of strings")
    return tuple(cast("list[str]", value))


def _number(value: object, where: str, low: float, high: float = math.inf) -> float:
    """A finite number from ``low`` to ``high``: an infinite timeout never ends a mutant's run."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        value = math.nan
    if not math.isfinite(value):
        span = f"from {low:g} to {high:g}" if math.isfinite(high) else f"finite, at least {low:g}"
        raise MutationError(f"{where} must be a number {span}")
    return float(value)


def parse_settings(text: str) -> Settings:
    """The settings in the text of a ``pyproject.toml``; :class:`MutationError` when unusable."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MutationError(f"pyproject.toml is not valid TOML ({exc})") from None
    cosmic_ray = _table(document, "tool", "cosmic-ray")
    ours = _table(document, "tool", "ml_playground", "mutation")
    excluded = _table(document, "tool", "ml_playground", "mutation", "excluded")
    scores = _table(document, "tool", "ml_playground", "mutation", "min-scores")
    where = "[tool.ml_playground.mutation]"
    for module, reason in excluded.items():
        if not isinstance(reason, str) or not reason.strip():
            raise MutationError(f"{where}.excluded[{module!r}] must give the reason")
    env = ours.get("test-env", {})
    if not isinstance(env, dict) or not all(
        isinstance(v, str) for v in cast("dict[str, object]", env).values()
    ):
        raise MutationError(f"{where} test-env must map names to strings")
    operators = _table(document, "tool", "cosmic-ray", "filters", "operators-filter")
    return Settings(
        packages=_strings(ours.get("packages"), f"{where} packages"),
        excluded=cast("dict[str, str]", excluded),
        min_scores={m: _number(s, f"min-scores[{m!r}]", 0, 100) for m, s in scores.items()},
        default_min_score=_number(ours.get("default-min-score"), "default-min-score", 0, 100),
        timeout=_number(cosmic_ray.get("timeout"), "[tool.cosmic-ray] timeout", 1),
        timeout_factor=_number(ours.get("timeout-factor"), f"{where} timeout-factor", 1),
        min_timeout=_number(ours.get("min-timeout"), f"{where} min-timeout", 1),
        test_budget=_number(ours.get("test-budget"), f"{where} test-budget", 0),
        pytest_args=_strings(ours.get("pytest-args", []), f"{where} pytest-args"),
        test_env=cast("dict[str, str]", env),
        preload=_strings(ours.get("preload", []), f"{where} preload"),
        exclude_operators=_strings(
            operators.get("exclude-operators", []), "operators-filter exclude-operators"
        ),
    )


def load_settings(pyproject: Path) -> Settings:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MutationError(f"{pyproject.as_posix()}: cannot read ({exc})") from None
    return parse_settings(text)


def test_command(settings: Settings, client: Path, pristine: Path, map_dir: Path) -> str:
    """The shell command cosmic-ray runs for every mutant (in a worker's copy): ``client`` is
    a copy of :mod:`tools.mutation.pytest_client` outside every worker's copy."""
    words = [
        "env",
        *(f"{name}={value}" for name, value in settings.test_env.items()),
        *("python", "-S", str(client), "--pristine", str(pristine)),
        *("--map", str(map_dir), "--timeout-factor", str(settings.timeout_factor)),
        *("--min-timeout", str(settings.min_timeout), "--budget", str(settings.test_budget)),
        *("--", *settings.pytest_args),
    ]
    return shlex.join(words)


def cosmic_ray_config(
    settings: Settings,
    modules: Sequence[str],
    *,
    command: str,
    worker_urls: Sequence[str],
    since: str | None = None,
) -> str:
    """The text of cosmic-ray's own config file (a ``[cosmic-ray]`` table). JSON strings and
    lists of them are valid TOML."""
    lines = [
        "[cosmic-ray]",
        f"module-path = {json.dumps(list(modules))}",
        f"timeout = {settings.timeout!r}",
        "excluded-modules = []",
        f"test-command = {json.dumps(command)}",
        "",
        "[cosmic-ray.distributor]",
        'name = "http"',
        "",
        "[cosmic-ray.distributor.http]",
        f"worker-urls = {json.dumps(list(worker_urls))}",
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(list(settings.exclude_operators))}",
    ]
    if since is not None:
        lines += ["", "[cosmic-ray.filters.git-filter]", f"branch = {json.dumps(since)}"]
    return "\n".join(lines) + "\n"


def select(modules: Sequence[str], names: Sequence[str] | None) -> list[str]:
    """``modules``, or those ``names`` name by path, dotted name or last component."""
    if not names:
        return list(modules)
    chosen: set[str] = set()
    for name in names:
        matches = [
            m
            for m in modules
            if name in (m, m.removesuffix(".py").replace("/", "."), PurePosixPath(m).stem)
        ]
        if len(matches) != 1:
            what = "no" if not matches else "more than one"
            raise MutationError(f"{what} mutation target matches {name!r}")
        (only,) = matches
        chosen.add(only)
    return [m for m in modules if m in chosen]
