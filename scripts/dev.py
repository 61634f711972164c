"""One entry point for every development task; needs nothing but Python 3.11+.

Each command first makes sure a virtual environment exists and matches the pinned
constraints (creating or refreshing it when needed), then runs the task inside it::

    python3 scripts/dev.py demo     # run the example scenario
    python3 scripts/dev.py test     # run the whole test suite with branch coverage
    python3 scripts/dev.py check    # run every quality gate (lint, types, layers, docs)
    python3 scripts/dev.py bench    # run the ratio benchmarks
    python3 scripts/dev.py mutate   # mutation testing of the domain and application layers
    python3 scripts/dev.py lock     # re-pin requirements/constraints.txt from a fresh resolve

``--venv DIR`` picks another environment (e.g. one per interpreter in CI).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
STAMP_NAME = ".creativeflow-env"
MIN_PYTHON = (3, 11)
#: The extras the project is developed with (its own tools come from the ``dev`` group).
DEV_EXTRAS = "testing,postgresql,sqlite-async,security,fastapi,http,rabbitmq,opentelemetry"
DOCS_CODE = ROOT / "build" / "docs_code"
DOCS_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def _bin(env: Path, tool: str) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return env / scripts / tool


def _fingerprint(with_constraints: bool) -> str:  # noqa: FBT001 (internal helper)
    digest = hashlib.sha256(sys.version.encode())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    if with_constraints and CONSTRAINTS.exists():
        digest.update(CONSTRAINTS.read_bytes())
    return digest.hexdigest()


def ensure_env(env: Path, *, pinned: bool = True) -> Path:
    """Create or refresh the environment so that it matches pyproject and the constraints."""
    stamp = env / STAMP_NAME
    wanted = _fingerprint(pinned)
    if stamp.exists() and stamp.read_text() == wanted:
        return env
    python = _bin(env, "python")
    if not python.exists():
        _say(f"creating virtual environment {env.name} with Python {sys.version.split()[0]}")
        venv.EnvBuilder(with_pip=True, clear=True).create(env)
    _say("installing the project and its development tools (first run takes a minute)")
    started = time.monotonic()
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    install = [python, "-m", "pip", "install", "--editable", f"{ROOT}[{DEV_EXTRAS}]"]
    install += ["--group", f"{ROOT / 'pyproject.toml'}:dev"]
    if pinned and CONSTRAINTS.exists():
        install[4:4] = ["--constraint", str(CONSTRAINTS)]
    _run_with_progress(install)
    stamp.write_text(wanted)
    _say(f"environment ready in {time.monotonic() - started:.0f} s")
    return env


def _run_with_progress(command: list[str | Path]) -> None:
    """Run pip, saying which package it is at (one line each) instead of its whole output."""
    output: list[str] = []
    with subprocess.Popen(
        [str(part) for part in command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None  # noqa: S101 (piped just above)
        for line in process.stdout:
            output.append(line)
            if line.startswith(("Collecting ", "Installing collected", "Successfully installed")):
                _say(f"  {line.strip()[:96]}")
    if process.returncode != 0:
        sys.stdout.write("".join(output[-40:]))
        _say(f"failed ({process.returncode}): {' '.join(map(str, command))}")
        sys.exit(process.returncode)


def _run(command: list[str | Path], *, env: dict[str, str] | None = None) -> None:
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        _say(f"failed ({completed.returncode}): {' '.join(map(str, command))}")
        sys.exit(completed.returncode)


def _tool(env: Path, tool: str, *args: str) -> list[str | Path]:
    return [_bin(env, tool), *args]


def cmd_demo(env: Path, extra: list[str]) -> None:
    """Run the example scenario end to end."""
    _run(_tool(env, "python", "examples/domain_walkthrough.py", *extra))


def cmd_test(env: Path, extra: list[str]) -> None:
    """Run the test suite (unit, property, contract, docs) with 100 % branch coverage.

    Coverage starts before pytest (``coverage run -m pytest``): the package's own pytest plugin
    and Hypothesis entry point import it while pytest starts, before a pytest-cov would.
    """
    _run(_tool(env, "coverage", "erase"))
    _run(_tool(env, "coverage", "run", "-m", "pytest", "src/creativeflow_shared", "tests", *extra))
    _run(_tool(env, "coverage", "report", "--fail-under=100"))


def docs_pages() -> list[Path]:
    """The pages whose ``python`` blocks run as tests and are type-checked: the docs and README."""
    return sorted([*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"])


def docs_blocks(page: Path) -> list[tuple[int, str]]:
    """The page's ``python`` blocks in order, each with the line of the page its code starts on.

    ``tests/test_docs.py`` runs them in order as one module; the docs code gate checks them so.
    """
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, block.start(1)) + 1, block.group(1))
        for block in DOCS_BLOCK.finditer(text)
    ]


def docs_module(page: Path) -> str:
    """The page's blocks joined into one module, each block on the lines it has in the page.

    A type checker's ``file.py:LINE`` is then the page's line: the lines between the blocks are
    left empty, and the first line (a fence, never code) says where the code comes from.
    """
    lines = [f"# The python blocks of {page.relative_to(ROOT).as_posix()}, on the page's lines."]
    for start, code in docs_blocks(page):
        lines += [""] * (start - 1 - len(lines))
        lines += code.splitlines()
    return "\n".join(lines) + "\n"


def _write_docs_code(env: Path) -> None:
    """Write each page's code, and strict configs for both checkers, into ``build/docs_code``."""
    DOCS_CODE.mkdir(parents=True, exist_ok=True)
    for stale in DOCS_CODE.glob("*.py"):  # a page renamed or removed since the last check
        stale.unlink()
    for page in docs_pages():
        if docs_blocks(page):
            name = re.sub(r"\W", "_", page.relative_to(ROOT).with_suffix("").as_posix())
            (DOCS_CODE / f"{name}.py").write_text(docs_module(page), encoding="utf-8")
    # Strict and nothing else, as a reader who copies the code checks it; not the project's
    # own settings (plugins, extra error codes) from pyproject.toml.
    mypy = f"[mypy]\nstrict = True\npython_version = 3.11\ncache_dir = {DOCS_CODE}/.mypy_cache\n"
    (DOCS_CODE / "mypy.ini").write_text(mypy, encoding="utf-8")
    pyright = {
        "pythonVersion": "3.11",
        "typeCheckingMode": "strict",
        "venvPath": str(env.parent),
        "venv": env.name,
    }
    (DOCS_CODE / "pyrightconfig.json").write_text(json.dumps(pyright, indent=2) + "\n")


# Each gate is a name and the commands it runs. The docs code gate checks the python blocks of
# every page as users copy them: `_write_docs_code` (BEFORE_GATE) writes them into DOCS_CODE,
# one module per page, as `tests/test_docs.py` runs them.
_DOCS_CODE = DOCS_CODE.relative_to(ROOT).as_posix()
GATES: list[tuple[str, list[list[str]]]] = [
    ("ruff check", [["ruff", "check", "."]]),
    ("ruff format", [["ruff", "format", "--check", "."]]),
    ("mypy --strict", [["mypy"]]),
    ("pyright", [["pyright"]]),
    (
        "docs code types",
        [
            ["mypy", "--strict", "--config-file", f"{_DOCS_CODE}/mypy.ini", _DOCS_CODE],
            ["pyright", "--project", _DOCS_CODE],
        ],
    ),
    ("import layers", [["lint-imports"]]),
    ("docstring coverage", [["interrogate", "src"]]),
    ("docs build", [["mkdocs", "build", "--strict", "--site-dir", "build/site"]]),
]
BEFORE_GATE: dict[str, Callable[[Path], None]] = {"docs code types": _write_docs_code}


def cmd_check(env: Path, extra: list[str]) -> None:
    """Run every quality gate; stop at the first that fails."""
    selected = [gate for gate in GATES if not extra or gate[0].split()[0] in extra]
    # The docs theme prints a banner about its successor on every build; keep logs readable.
    quiet = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    for name, commands in selected:
        _say(f"gate: {name}")
        started = time.monotonic()
        if name in BEFORE_GATE:
            BEFORE_GATE[name](env)
        for tool, *args in commands:
            _run(_tool(env, tool, *args), env=quiet)
        _say(f"gate: {name} passed in {time.monotonic() - started:.1f} s")


def cmd_bench(env: Path, extra: list[str]) -> None:
    """Run the ratio benchmarks (library vs raw tool, same run)."""
    _run(_tool(env, "python", "-m", "benchmarks", *extra))


def cmd_mutate(env: Path, extra: list[str]) -> None:
    """Mutation-test the domain and application layers and print the score.

    Not a CI gate: it takes about an hour on two cores. The configuration is ``[tool.mutmut]``
    in ``pyproject.toml``; results are kept in ``mutants/`` (delete it to start afresh) and
    ``mutmut results`` / ``mutmut show <name>`` list and show the survivors. Hypothesis runs
    the derandomized ``mutation`` profile, so a mutant is killed by what it breaks.
    """
    python = _bin(env, "python")
    install = [python, "-m", "pip", "install", "--quiet", "--editable", f"{ROOT}[{DEV_EXTRAS}]"]
    groups = ROOT / "pyproject.toml"
    install += ["--group", f"{groups}:dev", "--group", f"{groups}:mutation"]
    if CONSTRAINTS.exists():
        install[4:4] = ["--constraint", str(CONSTRAINTS)]
    _run(install)
    quiet = {**os.environ, "HYPOTHESIS_PROFILE": "mutation", "CREATIVEFLOW_NO_DATABASES": "1"}
    _run(_tool(env, "mutmut", "run", *extra), env=quiet)
    _run(_tool(env, "mutmut", "export-cicd-stats"))
    stats = json.loads((ROOT / "mutants" / "mutmut-cicd-stats.json").read_text())
    judged = stats["killed"] + stats["survived"] + stats["timeout"] + stats["suspicious"]
    caught = stats["killed"] + stats["timeout"]
    _say(f"mutants: {stats['total']}, killed {stats['killed']}, timed out {stats['timeout']}, ")
    _say(f"survived {stats['survived']}, no tests {stats['no_tests']}, skipped {stats['skipped']}")
    if judged:
        _say(f"score: {100 * caught / judged:.1f} % of the mutants the tests ran against")


def cmd_lock(env: Path, extra: list[str]) -> None:
    """Resolve the newest allowed versions in a scratch environment and pin them."""
    del extra
    scratch = env.with_name(env.name + "-lock")
    shutil.rmtree(scratch, ignore_errors=True)
    ensure_env(scratch, pinned=False)
    frozen = subprocess.run(
        [str(_bin(scratch, "python")), "-m", "pip", "freeze", "--exclude-editable"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins = sorted(
        (line for line in frozen.splitlines() if line and not line.startswith("#")),
        key=str.lower,
    )
    CONSTRAINTS.parent.mkdir(exist_ok=True)
    header = "# Pinned versions for reproducible development installs; refresh with\n"
    header += "# `python3 scripts/dev.py lock`.\n"
    CONSTRAINTS.write_text(header + "\n".join(pins) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    _say(f"pinned {len(pins)} packages in {CONSTRAINTS.relative_to(ROOT)}")


COMMANDS = {
    "demo": cmd_demo,
    "test": cmd_test,
    "check": cmd_check,
    "bench": cmd_bench,
    "lock": cmd_lock,
    "mutate": cmd_mutate,
}


def main() -> None:
    """Parse the command line and run the task."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"Python {'.'.join(map(str, MIN_PYTHON))}+ is required")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--venv", default=".venv", help="environment folder (default .venv)")
    args, extra = parser.parse_known_args()  # anything unknown is passed on to the tool
    env = (ROOT / args.venv).resolve()
    if args.command != "lock":
        ensure_env(env)
    COMMANDS[args.command](env, extra)


if __name__ == "__main__":
    main()
