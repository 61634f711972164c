"""The development entry point says what it is doing while it builds the environment."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "dev.py"


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", _SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _printing(*lines: str, code: int = 0) -> list[str | Path]:
    program = "".join(f"print({line!r});" for line in lines) + f"raise SystemExit({code})"
    return [sys.executable, "-c", program]


def test_installing_shows_each_package_as_pip_reaches_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = _printing("Collecting pydantic>=2", "  Downloading noise", "Successfully installed x")

    _dev()._run_with_progress(command)

    shown = capsys.readouterr().out.splitlines()
    assert shown == ["[dev]   Collecting pydantic>=2", "[dev]   Successfully installed x"]


def test_a_failed_install_shows_pips_own_words_and_exits_with_its_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = _printing("Collecting nothing", "ERROR: no matching distribution", code=3)

    with pytest.raises(SystemExit) as exited:
        _dev()._run_with_progress(command)

    out = capsys.readouterr().out
    assert exited.value.code == 3
    assert "ERROR: no matching distribution" in out
    assert "[dev] failed (3)" in out


def test_the_type_checked_docs_code_keeps_each_block_on_the_lines_of_its_page() -> None:
    dev = _dev()
    page = _SCRIPT.parent.parent / "docs" / "tutorials" / "domain-kernel.md"
    page_lines = page.read_text(encoding="utf-8").splitlines()

    module_lines = dev.docs_module(page).splitlines()

    blocks: list[tuple[int, str]] = dev.docs_blocks(page)
    assert blocks
    for start, code in blocks:
        for offset, line in enumerate(code.splitlines()):
            assert module_lines[start - 1 + offset] == page_lines[start - 1 + offset] == line
