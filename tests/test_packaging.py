"""What the published package says about itself: extras that install something, no dev tools."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

import creativeflow_shared.testing as kit

if TYPE_CHECKING:
    from collections.abc import Callable

_METADATA = importlib.metadata.metadata("creativeflow-shared-backend")
_TOOLS = ("mypy", "pyright", "ruff", "mkdocs", "coverage", "interrogate", "import-linter")


def test_every_published_extra_installs_something() -> None:
    extras = _METADATA.get_all("Provides-Extra") or []
    requires = _METADATA.get_all("Requires-Dist") or []

    markers = [requirement.replace("'", '"') for requirement in requires]
    empty = [extra for extra in extras if not any(f'extra == "{extra}"' in r for r in markers)]

    assert sorted(extras) == [
        "fastapi",
        "http",
        "opentelemetry",
        "postgresql",
        "rabbitmq",
        "security",
        "sqlite-async",
        "testing",
    ]
    assert empty == []


def test_the_development_tools_are_not_published() -> None:
    requires = _METADATA.get_all("Requires-Dist") or []

    published_tools = [r for r in requires if r.split()[0].split("[")[0] in _TOOLS]

    assert published_tools == []


@pytest.mark.parametrize("name", ["RepositoryContract", "UnitOfWorkContract", "money"])
def test_the_testing_kit_without_its_extra_names_the_extra(name: str) -> None:
    code = (
        "import json, sys\n"
        "sys.modules['pytest'] = None\n"
        "sys.modules['hypothesis'] = None\n"
        "import creativeflow_shared.testing as kit\n"
        "try:\n"
        f"    getattr(kit, {name!r})\n"
        "except ImportError as error:\n"
        "    print(json.dumps([str(error), error.name]))\n"
        "else:\n"
        "    print(json.dumps(None))\n"
    )
    completed = subprocess.run(  # noqa: S603 (the current interpreter with code from this file)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    message, _ = json.loads(completed.stdout)

    assert "creativeflow-shared-backend[testing]" in message


def _lazy_loader() -> Callable[[str], object]:
    """The testing kit's loader of names on first use (``__getattr__``, PEP 562)."""
    loader: Callable[[str], object] = vars(kit)["__getattr__"]
    return loader


@pytest.mark.parametrize("missing", ["pytest", "hypothesis"])
def test_a_missing_testing_dependency_names_the_extra_in_process(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    def not_installed(module: str) -> object:
        msg = f"No module named {missing!r}"
        raise ModuleNotFoundError(msg, name=missing)

    monkeypatch.setattr(importlib, "import_module", not_installed)

    with pytest.raises(ModuleNotFoundError) as raised:
        _lazy_loader()("RepositoryContract")

    assert raised.value.name == missing
    assert str(raised.value) == (
        f"creativeflow_shared.testing.RepositoryContract needs {missing}: "
        "pip install 'creativeflow-shared-backend[testing]'"
    )


def test_another_missing_module_is_raised_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    error = ModuleNotFoundError("No module named 'sqlalchemy'", name="sqlalchemy")

    def not_installed(module: str) -> object:
        raise error

    monkeypatch.setattr(importlib, "import_module", not_installed)

    with pytest.raises(ModuleNotFoundError) as raised:
        _lazy_loader()("ContractItemRow")

    assert raised.value is error
