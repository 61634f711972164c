"""The shape of the source: no import cycle between modules, and modules a reader can hold."""

from __future__ import annotations

import graphlib
from pathlib import Path

import grimp
import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
#: The most lines one module of the library holds: one concept per module.
MAX_MODULE_LINES = 400


def _cycle(imports: dict[str, set[str]]) -> list[str]:
    """Return the modules of one import cycle (first module repeated last), or ``[]``."""
    try:
        graphlib.TopologicalSorter(imports).prepare()
    except graphlib.CycleError as error:
        cycle: list[str] = error.args[1]
        return cycle
    return []


def test_no_module_of_the_library_imports_one_that_imports_it_back() -> None:
    # Imports made only for type checking count too: a cycle there is a cycle of concepts.
    graph = grimp.build_graph("creativeflow_shared", cache_dir=None)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}

    assert _cycle(imports) == []


@pytest.mark.parametrize(
    ("imports", "members"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set[str]()}, set[str]()),
        ({"a": {"b"}, "b": {"a"}}, {"a", "b"}),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, {"a", "b", "c"}),
        ({"a": {"a"}}, {"a"}),
    ],
    ids=["a chain", "two modules", "three, imported by a fourth", "a module itself"],
)
def test_the_cycle_check_finds_a_cycle(imports: dict[str, set[str]], members: set[str]) -> None:
    cycle = _cycle(imports)

    assert set(cycle) == members
    assert cycle[:1] == cycle[-1:]


def test_every_module_of_the_library_is_short_enough_to_read_whole() -> None:
    lengths = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(SRC.rglob("*.py"))
    }

    too_long = {name: lines for name, lines in lengths.items() if lines > MAX_MODULE_LINES}

    assert too_long == {}
    assert len(lengths) > 1
