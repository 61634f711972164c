"""The documentation's code runs: every ``python`` block of a page, in order, as one module.

The blocks are found by ``scripts/dev.py``, whose docs code gate type-checks the same code.
"""

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _dev() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEV = _dev()
PAGES: list[Path] = DEV.docs_pages()


def _blocks(page: Path) -> list[str]:
    blocks: list[tuple[int, str]] = DEV.docs_blocks(page)
    return [code for _, code in blocks]


PAGES_WITH_CODE = [page for page in PAGES if _blocks(page)]


def test_the_tutorial_is_among_the_executed_pages() -> None:
    executed = {page.relative_to(ROOT).as_posix() for page in PAGES_WITH_CODE}

    assert "docs/tutorials/domain-kernel.md" in executed


@pytest.mark.parametrize(
    "page", PAGES_WITH_CODE, ids=[p.relative_to(ROOT).as_posix() for p in PAGES_WITH_CODE]
)
def test_code_blocks_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "docs_" + re.sub(r"\W", "_", page.relative_to(ROOT).as_posix())
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)

    for number, block in enumerate(_blocks(page), start=1):
        code = compile(block, f"{page.name} block {number}", "exec")
        exec(code, module.__dict__)  # noqa: S102 (running our own documentation is the point)
