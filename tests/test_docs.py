"""The documentation's code runs: every ``python`` block of a page, in order, as one module."""

import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


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
