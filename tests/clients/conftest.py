"""The scripted service every test of the clients talks to, started once per session."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.clients._server import Scripted, serve

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def scripted() -> Iterator[Scripted]:
    yield from serve()
