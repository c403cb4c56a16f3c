"""Check built wheels as a user gets them: contents, imports alone, and ``--version``.

``python -m tools.checks.wheel DIST`` (the ``build`` nox session, after ``uv build``):

1. ``check-wheel-contents`` on every wheel in DIST: the package is its only top-level entry
   and nothing of its tree is missing;
2. a fresh environment with the wheels and the locked dependencies (``uv export`` as the
   constraints; ``--no-deps`` when the project has none to install);
3. every module of the package imports in isolated mode (``-I``: neither the checkout nor
   PYTHONPATH is on ``sys.path``, only the wheel);
4. the console script, run without PYTHONPATH, prints pyproject's version for ``--version``.

Exit codes: 0 every check passed, 1 a check failed, 2 no wheel in DIST.
"""

from __future__ import annotations

import os
import sys
import tempfile
import tomllib
from pathlib import Path

from tools.process import Completed, failure_line, run


def modules_of(package: str, root: Path) -> list[str]:
    return sorted(
        ".".join(p.relative_to(root).with_suffix("").parts) for p in (root / package).rglob("*.py")
    )


def failed(result: Completed, what: str) -> bool:
    if result.ok:
        return False
    print(f"wheel: {what} failed: {failure_line(result)}\n{result.stdout}{result.stderr}")
    return True


def check(dist: Path, root: Path, work: Path) -> int:
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    name, version = str(project["name"]), str(project["version"])
    package = name.replace("-", "_")
    wheels = sorted(str(path) for path in dist.glob("*.whl"))
    if not wheels:
        print(f"wheel: no wheel in {dist}", file=sys.stderr)
        return 2
    contents = run(
        (
            str(Path(sys.executable).parent / "check-wheel-contents"),
            "--package",
            package,
            "--toplevel",
            package,
            *wheels,
        ),
        root,
    )
    print(contents.stdout + contents.stderr, end="")
    if failed(contents, "check-wheel-contents"):
        return 1
    python = str(work / "env" / "bin" / "python")
    constraints = work / "locked.txt"
    steps = [
        (("uv", "venv", "--quiet", "--python", sys.executable, str(work / "env")), "uv venv"),
        (
            (
                "uv",
                "export",
                "--quiet",
                "--locked",
                "--no-default-groups",
                "--no-emit-project",
                "--no-hashes",
                "--output-file",
                str(constraints),
            ),
            "uv export",
        ),
    ]
    for command, what in steps:
        if failed(run(command, root), what):
            return 1
    install = ("uv", "pip", "install", "--quiet", "--python", python, "-c", str(constraints))
    if failed(run((*install, *wheels), root), "uv pip install"):
        return 1
    imports = f"import {', '.join(modules_of(package, root))}"
    print(f"wheel: {python} -I -c '{imports}'")
    if failed(run((python, "-I", "-c", imports), work), "importing every module"):
        return 1
    alone = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    shown = run((str(work / "env" / "bin" / name), "--version"), work, alone)
    if failed(shown, f"{name} --version"):
        return 1
    if shown.stdout.split()[-1:] != [version]:
        print(f"wheel: `{name} --version` printed {shown.stdout!r}, not {version}")
        return 1
    names = ", ".join(Path(wheel).name for wheel in wheels)
    print(f"wheel: {names}: imports alone, --version {version}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.checks.wheel DIST", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="wheel-check-") as work:
        return check(Path(argv[0]).resolve(), Path.cwd(), Path(work))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
